package dev.taipan.test;

import dev.taipan.PoolConfig;
import dev.taipan.PythonCaller;
import dev.taipan.PythonEnvironment;
import dev.taipan.TaipanPool;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestInstancePostProcessor;

import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The extension behind {@link TaipanPoolTest}: one pool per annotated test class, kept in that
 * class's extension store under the class context's own id (so a nested class, which sees its
 * parent's store, never closes its parent's pool), started on first use and closed in
 * {@code afterAll}, which JUnit runs whether the tests passed or not.
 */
public final class TaipanPoolExtension implements BeforeAllCallback, AfterAllCallback, TestInstancePostProcessor,
        ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(TaipanPoolExtension.class);

    /** Made by JUnit through {@link TaipanPoolTest}'s {@code @ExtendWith}. */
    public TaipanPoolExtension() {
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        injectFields(context, null, context.getRequiredTestClass());
    }

    @Override
    public void postProcessTestInstance(Object testInstance, ExtensionContext context) throws Exception {
        injectFields(context, testInstance, testInstance.getClass());
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == TaipanPool.class || type == PythonCaller.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return pool(context);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        // Only the context that started a pool holds its key; any other finds nothing here.
        ClassPool owned = context.getStore(NAMESPACE).remove(context.getUniqueId(), ClassPool.class);
        if (owned != null) {
            owned.close();
        }
    }

    /** The pool of the nearest enclosing annotated class context, started on first use. */
    private static TaipanPool pool(ExtensionContext context) {
        ExtensionContext owner = owner(context);
        TaipanPoolTest settings = annotation(owner.getRequiredTestClass());
        return owner.getStore(NAMESPACE).getOrComputeIfAbsent(owner.getUniqueId(),
                key -> new ClassPool(TaipanPool.start(config(owner.getRequiredTestClass(), settings))),
                ClassPool.class).pool;
    }

    private static ExtensionContext owner(ExtensionContext context) {
        for (Optional<ExtensionContext> c = Optional.of(context); c.isPresent(); c = c.get().getParent()) {
            if (c.get().getElement().orElse(null) instanceof Class && annotation((Class<?>) c.get().getElement()
                    .get()) != null) {
                return c.get();
            }
        }
        throw new ExtensionConfigurationException("a TaipanPool was asked for in " + context.getDisplayName()
                + ", but no enclosing test class is annotated with @TaipanPoolTest: annotate the test class");
    }

    /**
     * The annotation on this class itself or a superclass (it is {@code @Inherited}), not on an
     * enclosing class: a {@code @Nested} class uses its enclosing class's pool, found by
     * {@link #owner} one context up.
     */
    private static TaipanPoolTest annotation(Class<?> type) {
        return type.getAnnotation(TaipanPoolTest.class);
    }

    static PoolConfig config(Class<?> testClass, TaipanPoolTest settings) {
        PoolConfig.Builder builder = PoolConfig.builder()
                .name(poolName(testClass))
                .python(python(settings))
                .modules(settings.modules())
                .workers(settings.workers())
                .slots(settings.slots());
        for (String dir : settings.pythonPath()) {
            builder.pythonPath(Path.of(dir));
        }
        if (settings.config().isEmpty()) {
            return builder.build();
        }
        return fromFactory(testClass, settings.config(), builder);
    }

    private static PythonEnvironment python(TaipanPoolTest settings) {
        String named = !settings.python().isBlank() ? settings.python()
                : System.getProperty(TaipanPoolTest.PYTHON_PROPERTY, System.getenv(TaipanPoolTest.PYTHON_ENV));
        return named == null || named.isBlank() ? PythonEnvironment.detect() : PythonEnvironment.interpreter(Path.of(named));
    }

    /** The test class's name, as a pool name may spell it: the pool's log lines and processes say whose they are. */
    static String poolName(Class<?> testClass) {
        String name = testClass.getSimpleName().replaceAll("[^A-Za-z0-9_.-]", "_");
        if (name.isEmpty()) {
            name = "test";
        }
        return name.length() > 40 ? name.substring(0, 40) : name;
    }

    private static PoolConfig fromFactory(Class<?> testClass, String methodName, PoolConfig.Builder builder) {
        Method method = factory(testClass, methodName);
        Object made;
        try {
            method.setAccessible(true);
            made = method.getParameterCount() == 0 ? method.invoke(null) : method.invoke(null, builder);
        } catch (InvocationTargetException e) {
            throw new ExtensionConfigurationException("@TaipanPoolTest(config = \"" + methodName + "\"): "
                    + testClass.getName() + "." + methodName + " threw " + e.getCause(), e.getCause());
        } catch (IllegalAccessException | RuntimeException e) {
            throw new ExtensionConfigurationException("@TaipanPoolTest(config = \"" + methodName + "\"): cannot call "
                    + testClass.getName() + "." + methodName + ": " + e, e);
        }
        if (made instanceof PoolConfig) {
            return (PoolConfig) made;
        }
        if (made instanceof PoolConfig.Builder) {
            return ((PoolConfig.Builder) made).build();
        }
        throw new ExtensionConfigurationException("@TaipanPoolTest(config = \"" + methodName + "\"): "
                + testClass.getName() + "." + methodName + " returned " + (made == null ? "null" : made.getClass().getName())
                + "; it must return a PoolConfig or a PoolConfig.Builder");
    }

    private static Method factory(Class<?> testClass, String methodName) {
        for (Class<?> c = testClass; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Method m : c.getDeclaredMethods()) {
                if (!m.getName().equals(methodName)) {
                    continue;
                }
                boolean params = m.getParameterCount() == 0 || (m.getParameterCount() == 1
                        && m.getParameterTypes()[0] == PoolConfig.Builder.class);
                if (Modifier.isStatic(m.getModifiers()) && params) {
                    return m;
                }
            }
        }
        throw new ExtensionConfigurationException("@TaipanPoolTest(config = \"" + methodName + "\"): "
                + testClass.getName() + " has no static method " + methodName + "() or " + methodName
                + "(PoolConfig.Builder) returning a PoolConfig or a PoolConfig.Builder");
    }

    /** Static fields (instance == null) or instance fields, not final, of type TaipanPool or PythonCaller get the pool. */
    private static void injectFields(ExtensionContext context, Object instance, Class<?> type) throws IllegalAccessException {
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                boolean isStatic = Modifier.isStatic(f.getModifiers());
                // A final field is the class's own business (set from a constructor parameter, say).
                if ((f.getType() != TaipanPool.class && f.getType() != PythonCaller.class) || isStatic != (instance == null)
                        || f.isSynthetic() || Modifier.isFinal(f.getModifiers())) {
                    continue;
                }
                f.setAccessible(true);
                f.set(instance, pool(context));
            }
        }
    }

    /** A class's pool in the extension store; closing it also happens if JUnit closes the store first. */
    private static final class ClassPool implements AutoCloseable {
        final TaipanPool pool;

        ClassPool(TaipanPool pool) {
            this.pool = pool;
        }

        @Override
        public void close() {
            pool.close();
        }
    }
}
