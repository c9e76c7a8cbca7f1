package io.flinkrunbooks.sample;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * The one split of the sequence: the next number to emit. It is the reader's checkpointed state,
 * so a restore continues the sequence with no gap and no duplicate.
 */
public final class SequenceSplit implements SourceSplit {
    /** The only split id. Never change it: it is part of the savepoint. */
    public static final String ID = "sequence";

    public final long nextSeq;

    public SequenceSplit(long nextSeq) {
        if (nextSeq < 0) {
            throw new IllegalArgumentException("next seq must be >= 0, got " + nextSeq);
        }
        this.nextSeq = nextSeq;
    }

    @Override
    public String splitId() {
        return ID;
    }

    @Override
    public String toString() {
        return "SequenceSplit{nextSeq=" + nextSeq + "}";
    }

    /** Version 1: the next seq as one long. */
    public static final class Serializer implements SimpleVersionedSerializer<SequenceSplit> {
        static final int VERSION = 1;

        @Override
        public int getVersion() {
            return VERSION;
        }

        @Override
        public byte[] serialize(SequenceSplit split) throws IOException {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(8);
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeLong(split.nextSeq);
            }
            return bytes.toByteArray();
        }

        @Override
        public SequenceSplit deserialize(int version, byte[] serialized) throws IOException {
            if (version != VERSION) {
                throw new IOException("unknown sequence split version " + version);
            }
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
                return new SequenceSplit(in.readLong());
            }
        }
    }
}
