package dev.taipan.spring;

import dev.taipan.dspy.Dspy;

/**
 * Changes the auto-configured {@link Dspy} bean before it is published: a listener, an adapter,
 * a longer timeout. A {@code Dspy} is immutable, so a customizer returns the one to use
 * (typically {@code dspy.listener(...)}). Every bean of this type is applied, in order; the
 * starter's own (the DSPy meters of {@link TaipanMetricsAutoConfiguration}) run first.
 */
@FunctionalInterface
public interface TaipanDspyCustomizer {
    Dspy customize(Dspy dspy);
}
