package dev.taipan.test;

import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A real pool for a JUnit 5 test class: started before the class's first test that asks for
 * it, shared by every test of the class, closed after the class (also when tests fail). Ask
 * for it as a parameter of type {@link dev.taipan.TaipanPool} (or {@link dev.taipan.PythonCaller})
 * of a test method, a lifecycle method or the constructor, or as a field of that type (static or
 * not; final fields are left alone).
 * Test classes running in parallel each get their own pool.
 *
 * <pre>{@code
 * @TaipanPoolTest(modules = "my_module", workers = 2)
 * class MyModuleTest {
 *     @Test
 *     void adds(TaipanPool pool) {
 *         assertEquals(5, pool.call("my_module:add", List.of(2, 3), Integer.class));
 *     }
 * }
 * }</pre>
 *
 * <p>The Python is, in this order: {@link #python()}; the system property {@value #PYTHON_PROPERTY};
 * the environment variable {@value #PYTHON_ENV}; else {@link dev.taipan.PythonEnvironment#detect()}
 * ({@code VIRTUAL_ENV}, {@code CONDA_PREFIX}, {@code ./.venv}, {@code python3} on {@code PATH}).
 * For anything else, name a static method of the test class in {@link #config()}.
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@ExtendWith(TaipanPoolExtension.class)
public @interface TaipanPoolTest {
    /** The system property naming the interpreter when {@link #python()} is empty. */
    String PYTHON_PROPERTY = "taipan.python";
    /** The environment variable naming the interpreter when neither the annotation nor the property does. */
    String PYTHON_ENV = "TAIPAN_TEST_PYTHON";

    /** {@return the Python modules whose {@code @function}s the workers expose (default none: the built-ins only)} */
    String[] modules() default {};

    /** {@return the workers of the pool (default 1: a test pool starts quickly)} */
    int workers() default 1;

    /** {@return the concurrent calls per worker (default 4)} */
    int slots() default 4;

    /** {@return the interpreter (a path or a name on {@code PATH}); empty: see the class comment} */
    String python() default "";

    /** {@return the directories put on the workers' {@code PYTHONPATH}, relative to the working directory} */
    String[] pythonPath() default {};

    /**
     * A static method of the test class (or a superclass) for what the annotation cannot say:
     * it takes no parameter or the {@code PoolConfig.Builder} made from this annotation, and
     * returns a {@code PoolConfig} or a {@code PoolConfig.Builder}. Empty: none.
     *
     * @return the method's name, or empty
     */
    String config() default "";
}
