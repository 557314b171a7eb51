package dev.taipan.protocol;

import dev.taipan.TestPools;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The "Error kinds" table of docs/PROTOCOL.md, read as the tests on both sides read it: one
 * row per kind, in order, with the cells the Java tests hold the code to.
 */
public final class ErrorKindTable {
    private static final Path PROTOCOL_MD = TestPools.repo().resolve("docs/PROTOCOL.md");

    /** One row: the kind, and the Java exception's simple name, or null for "nothing". */
    public record Row(String kind, String javaRaises) {
    }

    private ErrorKindTable() {
    }

    public static List<Row> rows() throws IOException {
        String doc = Files.readString(PROTOCOL_MD);
        int section = doc.indexOf("#### Error kinds");
        if (section < 0) {
            throw new IllegalStateException(PROTOCOL_MD + " has no \"#### Error kinds\" section");
        }
        int start = doc.indexOf("| kind |", section);
        int end = doc.indexOf("\n\n", start);
        String[] lines = doc.substring(start, end).split("\n");
        String[] header = cells(lines[0]);
        int javaColumn = List.of(header).indexOf("Java raises");
        if (javaColumn < 0) {
            throw new IllegalStateException("the error kinds table has no \"Java raises\" column");
        }
        List<Row> rows = new ArrayList<>();
        for (int i = 2; i < lines.length; i++) { // after the header and its |---| line
            String[] row = cells(lines[i]);
            String java = row[javaColumn];
            rows.add(new Row(unquote(row[0]), java.startsWith("`") ? unquote(java) : null));
        }
        return rows;
    }

    private static String[] cells(String line) {
        String inner = line.strip();
        inner = inner.substring(1, inner.length() - 1); // the outer pipes
        String[] cells = inner.split("\\|");
        for (int i = 0; i < cells.length; i++) {
            cells[i] = cells[i].strip();
        }
        return cells;
    }

    private static String unquote(String cell) {
        if (!cell.startsWith("`") || cell.indexOf('`', 1) < 0) {
            throw new IllegalStateException("expected a `quoted` name, got " + cell);
        }
        return cell.substring(1, cell.indexOf('`', 1));
    }
}
