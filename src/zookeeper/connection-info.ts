/**
 * Flink writes a leader's address to ZooKeeper with Java serialisation: `writeUTF(address)` and
 * then `writeObject(java.util.UUID sessionId)`. This decoder reads exactly that shape; pure.
 */
export interface LeaderInfo {
  address: string;
  sessionId: string;
}

const STREAM_MAGIC = 0xaced;
const TC_BLOCKDATA = 0x77;
const TC_OBJECT = 0x73;

export class ConnectionInfoFormatError extends Error {
  override name = 'ConnectionInfoFormat';
}

export function decodeConnectionInfo(data: Buffer): LeaderInfo {
  if (data.length < 6 || data.readUInt16BE(0) !== STREAM_MAGIC) {
    throw new ConnectionInfoFormatError('not a Java serialisation stream');
  }
  if (data[4] !== TC_BLOCKDATA)
    throw new ConnectionInfoFormatError('expected block data holding the address');
  const utfLength = data.readUInt16BE(6);
  const address = data.subarray(8, 8 + utfLength).toString('utf8');
  const rest = data.subarray(8 + utfLength);
  if (rest[0] !== TC_OBJECT || !rest.includes(Buffer.from('java.util.UUID')) || rest.length < 16) {
    throw new ConnectionInfoFormatError('expected a java.util.UUID after the address');
  }
  // UUID's serial fields come in name order: leastSigBits, then mostSigBits, as the last 16 bytes.
  const least = rest.subarray(rest.length - 16, rest.length - 8).toString('hex');
  const most = rest.subarray(rest.length - 8).toString('hex');
  const hex = most + least;
  const sessionId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return { address, sessionId };
}
