package dev.taipan;

/**
 * A setting of a {@link PoolConfig} that cannot be used. {@link #setting()} names it as it was
 * given: the builder's option ({@code workers}) or, from {@link PoolConfig#from(java.util.Map)},
 * the property ({@code taipan.pool.workers}). An {@code IllegalArgumentException}, as the
 * builder's errors always were, so existing handlers still catch it. The message never holds
 * the value of a secret.
 */
public final class PoolConfigException extends IllegalArgumentException {
    /** The builder option or property that was wrong. */
    private final String setting;
    /** What was wrong with it, without the setting's name. */
    private final String detail;

    PoolConfigException(String setting, String message, String detail) {
        super(message);
        this.setting = setting;
        this.detail = detail;
    }

    /** {@return the builder option or the property that was wrong} */
    public String setting() {
        return setting;
    }

    /** {@return what was wrong with it, without the setting's name} */
    public String detail() {
        return detail;
    }
}
