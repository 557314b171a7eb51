package dev.taipan.bench.cli;

import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

import java.io.PrintWriter;
import java.util.List;

/**
 * How a usage error of {@code taipan bench} and {@code taipan chaos} is reported, as the taipan
 * CLI reports its own (its jar and this one share no code): one line saying what is wrong (with picocli's suggestion for
 * a mistyped option or command), then a hint to {@code --help}; not the whole usage, which
 * buries the one line that matters. Exit status 2, picocli's (and getopt's) convention for
 * invalid input.
 */
final class UsageErrors implements CommandLine.IParameterExceptionHandler {
    @Override
    public int handleParseException(ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        String name = cmd.getCommandSpec().qualifiedName();
        err.println(name + ": " + oneLine(e));
        err.println("Try '" + name + " --help' for more information.");
        err.flush();
        return cmd.getCommandSpec().exitCodeOnInvalidInput();
    }

    /** The exception's message on one line, with a "did you mean" for an unknown option or command. */
    static String oneLine(ParameterException e) {
        String message = String.valueOf(e.getMessage()).strip().replaceAll("\\s*\\R\\s*", "; ");
        if (e instanceof UnmatchedArgumentException u) {
            List<String> suggestions = u.getSuggestions();
            if (!suggestions.isEmpty()) {
                message += " (did you mean " + String.join(" or ", suggestions.subList(0, Math.min(3, suggestions.size())))
                        + "?)";
            }
        }
        return message;
    }
}
