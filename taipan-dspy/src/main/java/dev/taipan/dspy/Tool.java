package dev.taipan.dspy;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * A tool implemented in Java for a {@link Dspy#react ReAct} program. When the agent decides
 * to use it, the worker calls back into this JVM during the run (a {@code callback} frame)
 * and the tool's result goes back to the agent. Runs on the pool's callback executor, so it
 * may block (a database query, an HTTP call).
 */
public final class Tool {
    private final String name;
    private final String description;
    private final Map<String, FieldType> args;
    private final Function<Map<String, Object>, Object> body;

    private Tool(String name, String description, Map<String, FieldType> args,
                 Function<Map<String, Object>, Object> body) {
        if (name == null || !name.matches("[A-Za-z_][A-Za-z0-9_]{0,63}")) {
            throw new IllegalArgumentException("tool name '" + name + "' is not an identifier");
        }
        if (name.equals("finish")) {
            throw new IllegalArgumentException("'finish' is ReAct's own tool name");
        }
        this.name = name;
        this.description = Objects.requireNonNull(description, "description");
        this.args = Map.copyOf(args);
        this.body = Objects.requireNonNull(body, "body");
        for (FieldType t : args.values()) {
            jsonType(t); // fail fast on a type the agent cannot be told about
        }
    }

    /**
     * A tool: its name and description as the agent sees them, its arguments and their
     * types, and the Java code that runs it (it gets the arguments by name).
     *
     * @param name        an identifier of at most 64 characters, not {@code finish} (ReAct's own)
     * @param description what it does, for the agent
     * @param args        its arguments' names and types: str, int, float, bool, a Literal, a list or a dict
     * @param body        the code; it returns a wire value, and may throw (the agent sees the error)
     * @return the tool
     * @throws IllegalArgumentException if the name is not allowed or an argument's type cannot be described to the agent
     * @throws NullPointerException     if {@code description} or {@code body} is null
     */
    public static Tool of(String name, String description, Map<String, FieldType> args,
                          Function<Map<String, Object>, Object> body) {
        return new Tool(name, description, args, body);
    }

    /** {@return the tool's name, as the agent sees it} */
    public String name() {
        return name;
    }

    String callbackName() {
        return "tool:" + name;
    }

    @SuppressWarnings("unchecked")
    Object invoke(Object args) {
        return body.apply(args instanceof Map ? (Map<String, Object>) args : Map.of());
    }

    Map<String, Object> toWire() {
        Map<String, Object> a = new LinkedHashMap<>();
        args.forEach((k, t) -> a.put(k, jsonType(t)));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("description", description);
        m.put("args", a);
        return m;
    }

    private static String jsonType(FieldType t) {
        String py = t.toString();
        if (py.equals("str") || py.startsWith("Literal[")) {
            return "string";
        }
        if (py.equals("int")) {
            return "integer";
        }
        if (py.equals("float")) {
            return "number";
        }
        if (py.equals("bool")) {
            return "boolean";
        }
        if (py.startsWith("list[")) {
            return "array";
        }
        if (py.startsWith("dict")) {
            return "object";
        }
        throw new IllegalArgumentException("tool arguments cannot have type " + py);
    }

    @Override
    public String toString() {
        return "Tool{" + name + args + "}";
    }
}
