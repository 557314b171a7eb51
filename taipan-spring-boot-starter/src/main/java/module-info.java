/**
 * Spring Boot auto-configuration for Taipan. Spring's jars are automatic modules; taipan-dspy,
 * the actuator, taipan-micrometer (with Micrometer) and taipan-opentelemetry (with the
 * OpenTelemetry API) are optional (static), as in the pom.
 */
@SuppressWarnings({"module", "requires-automatic"})
module dev.taipan.spring {
    requires transitive dev.taipan.core;
    requires static dev.taipan.dspy;
    requires spring.core;
    requires spring.beans;
    requires spring.context;
    requires spring.boot;
    requires spring.boot.autoconfigure;
    requires static spring.boot.actuator;
    requires static spring.boot.actuator.autoconfigure;
    requires static dev.taipan.micrometer;
    requires static micrometer.core;
    requires static dev.taipan.opentelemetry;
    requires static io.opentelemetry.api;
    requires org.slf4j;

    exports dev.taipan.spring;
    opens dev.taipan.spring to spring.core, spring.beans, spring.context;
}
