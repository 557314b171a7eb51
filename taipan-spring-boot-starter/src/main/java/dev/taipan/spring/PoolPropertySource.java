package dev.taipan.spring;

import dev.taipan.PoolConfig;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.Environment;
import org.springframework.core.env.PropertySource;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code taipan.pool.*} properties of a Spring {@link Environment} as the map
 * {@link PoolConfig#from(Map)} reads: each known property through Spring's relaxed look-up
 * (so {@code TAIPAN_POOL_WORKERS} and YAML lists work), the variable families and any unknown
 * key as written, so that {@code PoolConfig.from} rejects the unknown ones. No check here:
 * validation lives in {@code PoolConfig}.
 */
final class PoolPropertySource {
    private static final String PREFIX = "taipan.pool.";
    private static final String[] FAMILIES = {PREFIX + "env", PREFIX + "secret-from-env"};

    private PoolPropertySource() {
    }

    static Map<String, Object> read(Environment environment) {
        Map<String, Object> out = new LinkedHashMap<>();
        Binder binder = Binder.get(environment);
        List<String> known = PoolConfig.propertyNames().stream().filter(n -> !n.endsWith(".NAME")).toList();
        for (String name : known) {
            String value = environment.getProperty(name);
            if (value == null) {
                // YAML lists (modules: [a, b]) arrive as name[0], name[1].
                value = binder.bind(name, Bindable.listOf(String.class)).map(l -> String.join(",", l)).orElse(null);
            }
            if (value != null) {
                out.put(name, value);
            }
        }
        for (String family : FAMILIES) {
            binder.bind(family, Bindable.mapOf(String.class, String.class))
                    .ifBound(m -> m.forEach((k, v) -> out.put(family + "." + k, v)));
        }
        if (environment instanceof ConfigurableEnvironment env) {
            for (PropertySource<?> source : env.getPropertySources()) {
                if (!(source instanceof EnumerablePropertySource<?> e)) {
                    continue;
                }
                for (String name : e.getPropertyNames()) {
                    if (name.startsWith(PREFIX) && !isKnown(name, known)) {
                        out.putIfAbsent(name, environment.getProperty(name));
                    }
                }
            }
        }
        return out;
    }

    private static boolean isKnown(String name, List<String> known) {
        for (String family : FAMILIES) {
            if (name.startsWith(family + ".") || name.startsWith(family + "[")) {
                return true;
            }
        }
        String base = name.replaceAll("\\[\\d+]$", "");
        String relaxed = base.replace("-", "").toLowerCase(Locale.ROOT);
        for (String k : known) {
            if (k.equals(base) || k.replace("-", "").equals(relaxed)) {
                return true;
            }
        }
        return false;
    }
}
