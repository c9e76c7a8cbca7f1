package io.flinkrunbooks.sample;

import java.util.Collections;
import java.util.List;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * The sequence 0, 1, 2, ... on the Source API (FLIP-27), at a fixed rate, with the fault knob of
 * {@code <control-dir>/fault}; see {@link SequenceReader} for what each fault does.
 */
public final class SequenceSplitSource
        implements Source<Long, SequenceSplit, List<SequenceSplit>> {
    private static final long serialVersionUID = 1L;

    private final double rowsPerSecond;
    private final String controlDir;

    public SequenceSplitSource(double rowsPerSecond, String controlDir) {
        if (!(rowsPerSecond > 0) || Double.isInfinite(rowsPerSecond)) {
            throw new IllegalArgumentException("rate must be a positive number, got " + rowsPerSecond);
        }
        this.rowsPerSecond = rowsPerSecond;
        this.controlDir = controlDir;
    }

    @Override
    public Boundedness getBoundedness() {
        return Boundedness.CONTINUOUS_UNBOUNDED;
    }

    @Override
    public SourceReader<Long, SequenceSplit> createReader(SourceReaderContext context) {
        return new SequenceReader(rowsPerSecond, controlDir);
    }

    @Override
    public SplitEnumerator<SequenceSplit, List<SequenceSplit>> createEnumerator(
            SplitEnumeratorContext<SequenceSplit> context) {
        return new SequenceEnumerator(context, Collections.singletonList(new SequenceSplit(0)));
    }

    @Override
    public SplitEnumerator<SequenceSplit, List<SequenceSplit>> restoreEnumerator(
            SplitEnumeratorContext<SequenceSplit> context, List<SequenceSplit> checkpoint) {
        return new SequenceEnumerator(context, checkpoint);
    }

    @Override
    public SimpleVersionedSerializer<SequenceSplit> getSplitSerializer() {
        return new SequenceSplit.Serializer();
    }

    @Override
    public SimpleVersionedSerializer<List<SequenceSplit>> getEnumeratorCheckpointSerializer() {
        return new SequenceEnumerator.StateSerializer();
    }
}
