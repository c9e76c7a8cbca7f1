import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';

/**
 * Writes what Flink's REST SSL needs into `dir`, with keytool run inside the Flink image (no Java
 * on the test machine needed): `rest.keystore` (a self-signed key pair for 127.0.0.1 and
 * localhost) and `rest.truststore` holding its certificate (PKCS12, both with `password`), the
 * certificate as PEM for Node (`ca.pem`), and `other-ca.pem`, a certificate that signed nothing.
 */
export function generateRestKeystore(dir: string, image: string, password: string): void {
  mkdirSync(dir, { recursive: true });
  const pass = `-storepass ${password} -keypass ${password}`;
  const genkey = (alias: string, store: string) =>
    `keytool -genkeypair -noprompt -alias ${alias} -keyalg RSA -keysize 2048 -validity 2 -dname CN=127.0.0.1 -ext SAN=ip:127.0.0.1,dns:localhost -storetype PKCS12 -keystore /ssl/${store} ${pass}`;
  const script = [
    genkey('flink.rest', 'rest.keystore'),
    `keytool -exportcert -rfc -alias flink.rest -keystore /ssl/rest.keystore -storepass ${password} -file /ssl/ca.pem`,
    `keytool -importcert -noprompt -alias flink.rest -file /ssl/ca.pem -storetype PKCS12 -keystore /ssl/rest.truststore -storepass ${password}`,
    genkey('other', 'other.keystore'),
    `keytool -exportcert -rfc -alias other -keystore /ssl/other.keystore -storepass ${password} -file /ssl/other-ca.pem`,
  ].join(' && ');
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  execFileSync(
    'docker',
    [
      'run',
      '--rm',
      '--network',
      'host',
      '--user',
      `${uid}:${gid}`,
      '-v',
      `${dir}:/ssl`,
      '--entrypoint',
      'sh',
      image,
      '-c',
      script,
    ],
    { stdio: 'pipe' },
  );
}
