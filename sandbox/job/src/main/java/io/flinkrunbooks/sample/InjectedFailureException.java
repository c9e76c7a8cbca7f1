package io.flinkrunbooks.sample;

/** Thrown by the source while the fault knob says {@code fail}. */
public class InjectedFailureException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public InjectedFailureException(String message) {
        super(message);
    }
}
