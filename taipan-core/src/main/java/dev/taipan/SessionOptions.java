package dev.taipan;

import java.util.Objects;

/**
 * How a session is opened ({@link TaipanPool#openSession(SessionOptions)}). Immutable;
 * {@link #DEFAULT} is what {@link TaipanPool#openSession()} uses: no snapshots.
 *
 * <pre>{@code
 * Session s = pool.openSession(SessionOptions.builder().snapshots(SnapshotPolicy.AFTER_EACH_CALL).build());
 * }</pre>
 */
public final class SessionOptions {
    /** No snapshots: the session is lost with its worker. */
    public static final SessionOptions DEFAULT = builder().build();

    private final SnapshotPolicy snapshots;

    private SessionOptions(Builder b) {
        this.snapshots = b.snapshots;
    }

    /** {@return a builder, by default without snapshots} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return when the session's state is snapshotted; see {@link SnapshotPolicy}} */
    public SnapshotPolicy snapshots() {
        return snapshots;
    }

    @Override
    public String toString() {
        return "SessionOptions{snapshots=" + snapshots + "}";
    }

    /** Collects a session's options; not thread-safe. */
    public static final class Builder {
        private SnapshotPolicy snapshots = SnapshotPolicy.NONE;

        private Builder() {
        }

        /**
         * When the session's state is snapshotted (default {@link SnapshotPolicy#NONE}).
         *
         * @param policy the policy, not null
         * @return this builder
         * @throws NullPointerException if {@code policy} is null
         */
        public Builder snapshots(SnapshotPolicy policy) {
            this.snapshots = Objects.requireNonNull(policy, "snapshots");
            return this;
        }

        /** {@return the options} */
        public SessionOptions build() {
            return new SessionOptions(this);
        }
    }
}
