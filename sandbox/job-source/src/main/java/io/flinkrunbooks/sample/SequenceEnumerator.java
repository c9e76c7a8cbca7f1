package io.flinkrunbooks.sample;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * Hands the single split to subtask 0 when its reader registers, and takes it back on a failover
 * (the split then carries the state of the last completed checkpoint). Its checkpointed state is
 * the split not yet handed out, if any.
 */
final class SequenceEnumerator implements SplitEnumerator<SequenceSplit, List<SequenceSplit>> {
    private final SplitEnumeratorContext<SequenceSplit> context;
    private final List<SequenceSplit> unassigned;

    SequenceEnumerator(SplitEnumeratorContext<SequenceSplit> context, List<SequenceSplit> unassigned) {
        this.context = context;
        this.unassigned = new ArrayList<>(unassigned);
    }

    @Override
    public void start() {}

    @Override
    public void handleSplitRequest(int subtaskId, String requesterHostname) {}

    @Override
    public void addSplitsBack(List<SequenceSplit> splits, int subtaskId) {
        unassigned.addAll(splits);
    }

    @Override
    public void addReader(int subtaskId) {
        if (subtaskId != 0 || unassigned.isEmpty()) {
            return;
        }
        for (SequenceSplit split : unassigned) {
            context.assignSplit(split, subtaskId);
        }
        unassigned.clear();
    }

    @Override
    public List<SequenceSplit> snapshotState(long checkpointId) {
        return new ArrayList<>(unassigned);
    }

    @Override
    public void close() {}

    /** Version 1: a count, then each split as the split serializer writes it. */
    static final class StateSerializer implements SimpleVersionedSerializer<List<SequenceSplit>> {
        private final SequenceSplit.Serializer splits = new SequenceSplit.Serializer();

        @Override
        public int getVersion() {
            return 1;
        }

        @Override
        public byte[] serialize(List<SequenceSplit> state) throws IOException {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeInt(state.size());
                for (SequenceSplit split : state) {
                    byte[] one = splits.serialize(split);
                    out.writeInt(one.length);
                    out.write(one);
                }
            }
            return bytes.toByteArray();
        }

        @Override
        public List<SequenceSplit> deserialize(int version, byte[] serialized) throws IOException {
            if (version != 1) {
                throw new IOException("unknown sequence enumerator state version " + version);
            }
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
                int count = in.readInt();
                Collection<SequenceSplit> out = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    byte[] one = new byte[in.readInt()];
                    in.readFully(one);
                    out.add(splits.deserialize(SequenceSplit.Serializer.VERSION, one));
                }
                return new ArrayList<>(out);
            }
        }
    }
}
