package dev.taipan.spring;

import dev.taipan.PoolConfig;
import dev.taipan.PoolConfigException;
import dev.taipan.dspy.Lm;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.LazyInitializationBeanFactoryPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.ConfigDataApplicationContextInitializer;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * How the starter reads its configuration: relaxed binding (environment variables, kebab and
 * camel case), YAML, the errors of {@code taipan.dspy.*}, and what a failing start prints. The
 * beans are lazy here, so nothing starts a Python worker unless a test asks for the pool.
 */
@ExtendWith(OutputCaptureExtension.class)
class StarterConfigurationTest {
    /** The auto-configuration, as SpringApplication prepares it: relaxed names attached, beans lazy. */
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(TaipanAutoConfiguration.class, TaipanDspyAutoConfiguration.class))
            .withInitializer(ctx -> {
                ConfigurationPropertySources.attach(ctx.getEnvironment());
                ctx.addBeanFactoryPostProcessor(new LazyInitializationBeanFactoryPostProcessor());
            });

    /** Environment variables as the system environment holds them (its name makes Spring map them). */
    private static ApplicationContextRunner withEnvironment(ApplicationContextRunner runner, Map<String, Object> vars) {
        return runner.withInitializer(ctx -> ctx.getEnvironment().getPropertySources().addFirst(
                new SystemEnvironmentPropertySource("test-"
                        + StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, vars)));
    }

    // ------------------------------------------------------------------ relaxed binding and YAML

    @Test
    void environmentVariablesConfigureThePoolAndTheLm() {
        withEnvironment(runner, Map.of("TAIPAN_POOL_NAME", "from-env", "TAIPAN_POOL_WORKERS", "3",
                "TAIPAN_POOL_CALL_TIMEOUT", "45s", "TAIPAN_POOL_MODULES", "myapp.a,myapp.b",
                "TAIPAN_DSPY_MODEL", "openai/gpt-4o-mini", "TAIPAN_DSPY_MAXTOKENS", "128")).run(ctx -> {
            assertThat(ctx).hasNotFailed();
            PoolConfig config = ctx.getBean(PoolConfig.class);
            assertThat(config.name()).isEqualTo("from-env");
            assertThat(config.workers()).isEqualTo(3);
            assertThat(config.callTimeout()).isEqualTo(Duration.ofSeconds(45));
            // TAIPAN_DSPY_MODEL asks for DSPy: the bridge joins the modules.
            assertThat(config.modules()).containsExactly("myapp.a", "myapp.b", TaipanAutoConfiguration.DSPY_MODULE);
            TaipanDspyProperties dspy = ctx.getBean(TaipanDspyProperties.class);
            assertThat(dspy.getModel()).isEqualTo("openai/gpt-4o-mini");
            assertThat(dspy.getMaxTokens()).isEqualTo(128);
        });
    }

    @Test
    void anEnvironmentVariableWithTheDashAsAnUnderscoreIsAnUnknownDspyKey() {
        // Spring reads TAIPAN_DSPY_MAX_TOKENS as taipan.dspy.max.tokens (an underscore is a dot);
        // the form of max-tokens is TAIPAN_DSPY_MAXTOKENS. Unknown keys are rejected, named.
        withEnvironment(runner, Map.of("TAIPAN_DSPY_MODEL", "openai/m", "TAIPAN_DSPY_MAX_TOKENS", "128")).run(ctx ->
                assertThatThrownBy(() -> ctx.getBean(TaipanDspyProperties.class))
                        .hasStackTraceContaining("taipan.dspy.max.tokens"));
    }

    @Test
    void aLazyApplicationNeverStartsItsUnusedPoolToCloseIt(CapturedOutput output) {
        // No python is set: a pool started here would fail, and its stop would say so.
        runner.withPropertyValues("taipan.pool.python=/nonexistent/python").run(ctx -> {
            assertThat(ctx.getBean(PoolConfig.class).workers()).isEqualTo(2);
            ctx.close();
        });
        assertThat(output.toString()).doesNotContain("taipanPool").doesNotContain("/nonexistent/python");
    }

    @Test
    void kebabAndCamelCaseNamesAreTheSameProperty() {
        runner.withPropertyValues("taipan.pool.callTimeout=40s", "taipan.pool.max-waiting=7",
                "taipan.pool.shutdownHook=false", "taipan.dspy.model=openai/m", "taipan.dspy.apiBase=http://h:1/v1",
                "taipan.dspy.num-retries=2", "taipan.dspy.apiKeyEnv=PATH").run(ctx -> {
            assertThat(ctx).hasNotFailed();
            PoolConfig config = ctx.getBean(PoolConfig.class);
            assertThat(config.callTimeout()).isEqualTo(Duration.ofSeconds(40));
            assertThat(config.maxWaiting()).isEqualTo(7);
            assertThat(config.shutdownHook()).isFalse();
            TaipanDspyProperties dspy = ctx.getBean(TaipanDspyProperties.class);
            assertThat(dspy.getApiBase()).isEqualTo("http://h:1/v1");
            assertThat(dspy.getNumRetries()).isEqualTo(2);
            assertThat(dspy.getApiKeyEnv()).isEqualTo("PATH");
        });
    }

    @Test
    void remoteHostPropertiesReachThePoolConfig() {
        runner.withPropertyValues("taipan.pool.remoteHosts=127.0.0.1:7300, [::1]:7301",
                "taipan.pool.remote-hosts.plain-tcp=true", "taipan.pool.remote-hosts.lease=15s",
                "taipan.pool.localWorkers=true").run(ctx -> {
            assertThat(ctx).hasNotFailed();
            PoolConfig config = ctx.getBean(PoolConfig.class);
            assertThat(config.remoteHosts()).extracting(Object::toString).containsExactly("127.0.0.1:7300", "[::1]:7301");
            assertThat(config.remoteHosts()).allSatisfy(h -> {
                assertThat(h.plainTcp()).isTrue();
                assertThat(h.lease()).isEqualTo(Duration.ofSeconds(15));
            });
            assertThat(config.localWorkers()).isTrue();
        });
        // YAML: a list, and the host settings as dotted keys beside it.
        runner.withInitializer(new ConfigDataApplicationContextInitializer())
                .withPropertyValues("spring.config.name=taipan-starter-remote-hosts-test").run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    PoolConfig config = ctx.getBean(PoolConfig.class);
                    assertThat(config.remoteHosts()).extracting(Object::toString)
                            .containsExactly("127.0.0.1:7300", "[::1]:7301");
                    assertThat(config.remoteHosts()).allSatisfy(h -> {
                        assertThat(h.plainTcp()).isTrue();
                        assertThat(h.lease()).isEqualTo(Duration.ofSeconds(12));
                    });
                    assertThat(config.localWorkers()).isFalse();
                });
        // Environment variables, with Spring's relaxed names.
        withEnvironment(runner, Map.of("TAIPAN_POOL_REMOTEHOSTS", "127.0.0.1:7302",
                "TAIPAN_POOL_REMOTEHOSTS_PLAINTCP", "true", "TAIPAN_POOL_LOCALWORKERS", "true")).run(ctx -> {
            assertThat(ctx).hasNotFailed();
            PoolConfig config = ctx.getBean(PoolConfig.class);
            assertThat(config.remoteHosts()).extracting(Object::toString).containsExactly("127.0.0.1:7302");
            assertThat(config.remoteHosts().get(0).plainTcp()).isTrue();
            assertThat(config.localWorkers()).isTrue();
        });
        // The TLS properties reach TlsConfig's checks, which name the property.
        runner.withPropertyValues("taipan.pool.remote-hosts=gpu-1.internal:7300",
                "taipan.pool.tls.certificateChain=/nonexistent/client.pem",
                "taipan.pool.tls.private-key=/nonexistent/client-key.pem",
                "taipan.pool.tls.trusted-certificates=/nonexistent/ca.pem").run(ctx ->
                assertThatThrownBy(() -> ctx.getBean(PoolConfig.class)).rootCause()
                        .isInstanceOf(PoolConfigException.class)
                        .hasMessageStartingWith("taipan.pool.tls.certificate-chain: "));
        // Hosts without TLS and without plain-tcp: refused, saying what is missing.
        runner.withPropertyValues("taipan.pool.remote-hosts=gpu-1.internal:7300").run(ctx ->
                assertThatThrownBy(() -> ctx.getBean(PoolConfig.class)).rootCause()
                        .isInstanceOf(PoolConfigException.class)
                        .hasMessageStartingWith("taipan.pool.remote-hosts: needs TLS settings"));
    }

    @Test
    void yamlConfiguresThePoolAndTheLm() {
        runner.withInitializer(new ConfigDataApplicationContextInitializer())
                .withPropertyValues("spring.config.name=taipan-starter-yaml-test").run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    PoolConfig config = ctx.getBean(PoolConfig.class);
                    assertThat(config.name()).isEqualTo("from-yaml");
                    assertThat(config.workers()).isEqualTo(3);
                    assertThat(config.callTimeout()).isEqualTo(Duration.ofSeconds(45));
                    assertThat(config.modules()).containsExactly("myapp.handlers", "myapp.scoring",
                            TaipanAutoConfiguration.DSPY_MODULE);
                    assertThat(config.environment()).containsEntry("APP_MODE", "yaml");
                    TaipanDspyProperties dspy = ctx.getBean(TaipanDspyProperties.class);
                    assertThat(dspy.getModel()).isEqualTo("openai/gpt-4o-mini");
                    assertThat(dspy.getApiBase()).isEqualTo("http://127.0.0.1:9/v1");
                    assertThat(dspy.getMaxTokens()).isEqualTo(256);
                    assertThat(dspy.getTemperature()).isEqualTo(0.5);
                    Lm lm = TaipanDspyAutoConfiguration.lm(dspy, name -> null);
                    assertThat(lm.model()).isEqualTo("openai/gpt-4o-mini");
                    assertThat(lm.apiBase()).isEqualTo("http://127.0.0.1:9/v1");
                });
    }

    // ------------------------------------------------------------------ taipan.dspy.* errors

    @Test
    void aBadDspyValueIsNamedByItsProperty() {
        Map<String, String> bad = Map.of(
                "temperature", "taipan.dspy.temperature: must be between 0 and 2, got 3.5",
                "max-tokens", "taipan.dspy.max-tokens: must be positive, got 0",
                "num-retries", "taipan.dspy.num-retries: must be >= 0, got -1",
                "timeout", "taipan.dspy.timeout: must be positive, got PT0S",
                "engine", "taipan.dspy.engine: must be auto, litellm or lm15, got fast",
                "model", "taipan.dspy.model: must be a LiteLLM model string, e.g. 'openai/gpt-4o-mini'");
        Map<String, String> values = Map.of("temperature", "3.5", "max-tokens", "0", "num-retries", "-1",
                "timeout", "0s", "engine", "fast", "model", " ");
        bad.forEach((property, message) -> runner.withPropertyValues("taipan.dspy.model=openai/m",
                "taipan.dspy." + property + "=" + values.get(property)).run(ctx -> {
                    TaipanDspyProperties p = ctx.getBean(TaipanDspyProperties.class);
                    assertThatThrownBy(() -> TaipanDspyAutoConfiguration.lm(p, name -> null))
                            .isInstanceOf(IllegalArgumentException.class).hasMessage(message);
                }));
    }

    @Test
    void aValueOfTheWrongTypeOrAnUnknownKeyFailsBindingNamingTheProperty() {
        runner.withPropertyValues("taipan.dspy.model=openai/m", "taipan.dspy.temperature=hot").run(ctx ->
                assertThatThrownBy(() -> ctx.getBean(TaipanDspyProperties.class))
                        .rootCause().hasMessageContaining("hot"));
        runner.withPropertyValues("taipan.dspy.model=openai/m", "taipan.dspy.temperature=hot").run(ctx ->
                assertThatThrownBy(() -> ctx.getBean(TaipanDspyProperties.class))
                        .hasStackTraceContaining("taipan.dspy.temperature"));
        runner.withPropertyValues("taipan.dspy.model=openai/m", "taipan.dspy.modle=openai/n").run(ctx ->
                assertThatThrownBy(() -> ctx.getBean(TaipanDspyProperties.class))
                        .hasStackTraceContaining("taipan.dspy.modle"));
    }

    @Test
    void aMissingApiKeyVariableIsNamedAndASetOneIsNeverShown() {
        TaipanDspyProperties p = new TaipanDspyProperties();
        p.setModel("openai/gpt-4o-mini");
        p.setApiKeyEnv("TAIPAN_TEST_NO_SUCH_KEY");
        assertThatThrownBy(() -> TaipanDspyAutoConfiguration.lm(p, name -> null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("taipan.dspy.api-key-env: environment variable 'TAIPAN_TEST_NO_SUCH_KEY' is not set;"
                        + " export it (it holds the LM's API key) or remove the property");
        p.setApiKeyEnv("  ");
        assertThatThrownBy(() -> TaipanDspyAutoConfiguration.lm(p, name -> null))
                .hasMessageStartingWith("taipan.dspy.api-key-env: environment variable '' is not set");

        String secret = "sk-test-" + UUID.randomUUID();
        p.setApiKeyEnv("TAIPAN_TEST_KEY");
        Lm lm = TaipanDspyAutoConfiguration.lm(p, name -> name.equals("TAIPAN_TEST_KEY") ? secret : null);
        assertThat(lm.toString()).doesNotContain(secret);
        assertThat(p.toString()).doesNotContain(secret).contains("TAIPAN_TEST_KEY");
        // A bad value next to a key: the error names the property, never the key.
        p.setTemperature(9.0);
        assertThatThrownBy(() -> TaipanDspyAutoConfiguration.lm(p, name -> secret))
                .hasMessageNotContaining(secret).hasMessageStartingWith("taipan.dspy.temperature: ");
    }

    // ------------------------------------------------------------------ a failing start

    /** An application with the auto-configuration and nothing else (no component scan). */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class Minimal {
    }

    @Test
    void aBadPoolPropertyFailsTheStartWithTheAnalyzersDescriptionAndAction(CapturedOutput output) {
        SpringApplication app = new SpringApplication(Minimal.class);
        app.setWebApplicationType(WebApplicationType.NONE);
        Throwable failure = null;
        try {
            app.run("--taipan.pool.workers=0", "--taipan.pool.shutdown-hook=false").close();
        } catch (RuntimeException e) {
            failure = e;
        }
        assertThat(failure).as("the context must not start").isNotNull();
        // What Spring Boot printed: the analyzer's description and action, not a stack trace.
        assertThat(output.toString()).contains("APPLICATION FAILED TO START")
                .contains("Invalid Taipan pool configuration: taipan.pool.workers: must be between 1 and 1024, got 0")
                .contains("Fix the property taipan.pool.workers (docs/SPRING_BOOT.md lists them all).");

        FailureAnalysis analysis = new PoolConfigFailureAnalyzer().analyze(failure);
        assertThat(analysis).isNotNull();
        assertThat(analysis.getCause()).isInstanceOf(PoolConfigException.class);
        assertThat(analysis.getDescription())
                .isEqualTo("Invalid Taipan pool configuration: taipan.pool.workers: must be between 1 and 1024, got 0");
        assertThat(analysis.getAction())
                .isEqualTo("Fix the property taipan.pool.workers (docs/SPRING_BOOT.md lists them all).");
    }

    @Test
    void anUnknownPoolKeyIsAnalyzedWithTheValidNames(CapturedOutput output) {
        SpringApplication app = new SpringApplication(Minimal.class);
        app.setWebApplicationType(WebApplicationType.NONE);
        Throwable failure = null;
        try {
            app.run("--taipan.pool.wrokers=2").close();
        } catch (RuntimeException e) {
            failure = e;
        }
        assertThat(failure).isNotNull();
        assertThat(output.toString()).contains("Invalid Taipan pool configuration: taipan.pool.wrokers: unknown property;")
                .contains("taipan.pool.workers").contains("Fix the property taipan.pool.wrokers");
    }

    // ------------------------------------------------------------------ with a real pool

    @Test
    @Tag("python")
    @Tag("dspy")
    void aMissingApiKeyVariableFailsTheStartNamingIt() {
        String variable = "TAIPAN_TEST_UNSET_" + UUID.randomUUID().toString().replace("-", "_");
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(TaipanAutoConfiguration.class,
                        TaipanDspyAutoConfiguration.class))
                .withPropertyValues("taipan.pool.python=" + System.getProperty("taipan.python"),
                        "taipan.pool.workers=1", "taipan.pool.shutdown-hook=false", "taipan.pool.start-timeout=120s",
                        "taipan.dspy.model=openai/gpt-4o-mini", "taipan.dspy.api-key-env=" + variable)
                .run(ctx -> {
                    assertThat(ctx).hasFailed();
                    assertThat(ctx.getStartupFailure()).rootCause().isInstanceOf(IllegalArgumentException.class)
                            .hasMessage("taipan.dspy.api-key-env: environment variable '" + variable
                                    + "' is not set; export it (it holds the LM's API key) or remove the property");
                });
    }
}
