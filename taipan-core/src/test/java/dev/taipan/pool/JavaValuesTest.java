package dev.taipan.pool;

import dev.taipan.SerializationException;
import dev.taipan.protocol.FrameCodec;
import dev.taipan.protocol.Messages;
import dev.taipan.protocol.Values;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pool's converter: records and POJOs anywhere in a value are sent as maps, in the
 * encoder's one pass, with the depth limit and the paths of errors as for any other value.
 */
class JavaValuesTest {
    private static final int MAX = FrameCodec.DEFAULT_MAX_FRAME_BYTES;

    record Point(long x, long y) {
    }

    record Node(int n, Node next) {
    }

    /** A POJO, not a record: public fields and a getter. */
    public static final class Box {
        public String label = "box";
        private final List<Object> items = new ArrayList<>();

        public List<Object> getItems() {
            return items;
        }
    }

    /** Encodes {@code args} as a call with the pool's converter, and decodes the frame's args. */
    private static Object sent(Object args) throws IOException {
        byte[] frame = FrameCodec.encode(Messages.call(1, "echo", args, null, 1000L), MAX, JavaValues::convertUnknown);
        return FrameCodec.read(new ByteArrayInputStream(frame), MAX).get("args");
    }

    private static SerializationException refused(Object args) {
        return assertThrows(SerializationException.class,
                () -> FrameCodec.encode(Messages.call(1, "echo", args, null, 1000L), MAX, JavaValues::convertUnknown));
    }

    /** {@code leaf} inside {@code levels} lists. */
    private static Object nested(int levels, Object leaf) {
        Object v = leaf;
        for (int i = 0; i < levels; i++) {
            v = List.of(v);
        }
        return v;
    }

    @Test
    void aRecordInsideAMapInsideAListIsSentAsAMap() throws IOException {
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("name", "p");
        inner.put("points", List.of(new Point(1, 2), new Point(3, 4)));
        Object args = sent(List.of(List.of(inner), "plain"));
        assertEquals(List.of(List.of(Map.of("name", "p",
                "points", List.of(Map.of("x", 1L, "y", 2L), Map.of("x", 3L, "y", 4L)))), "plain"), args);
        Box box = new Box();
        box.items.add(new Point(5, 6));
        assertEquals(List.of(Map.of("label", "box", "items", List.of(Map.of("x", 5L, "y", 6L)))),
                sent(List.of(box)));
    }

    @Test
    void aRecordCountsItsDepthWhereItIs() throws IOException {
        // The record's map is the last level the domain allows: 255 lists around it.
        Object atLimit = sent(List.of(nested(Values.MAX_DEPTH - 1, new Point(7, 8))));
        assertEquals(List.of(nested(Values.MAX_DEPTH - 1, Map.of("x", 7L, "y", 8L))), atLimit);
        // One level more, and the record's map is refused, with the path down to it.
        SerializationException e = refused(List.of(nested(Values.MAX_DEPTH, new Point(7, 8))));
        assertTrue(e.getMessage().contains("nested deeper than " + Values.MAX_DEPTH), e.getMessage());
        assertTrue(e.getMessage().startsWith("args[0][0][0]"), e.getMessage());
        // A record whose own fields go past the limit: refused inside it, named by its fields.
        Node chain = null;
        for (int i = 0; i < 3; i++) {
            chain = new Node(i, chain);
        }
        SerializationException inner = refused(List.of(nested(Values.MAX_DEPTH - 2, chain)));
        assertTrue(inner.getMessage().contains("[\"next\"]") && inner.getMessage().contains("nested deeper"),
                inner.getMessage());
    }

    @Test
    void aPojoCycleOrAVeryDeepGraphIsASerializationExceptionNotAStackOverflow() {
        Box loop = new Box();
        loop.items.add(loop);
        SerializationException cycle = refused(List.of(Map.of("box", loop)));
        assertTrue(cycle.getMessage().startsWith("args[0][\"box\"]: cannot convert a " + Box.class.getName()),
                cycle.getMessage());
        Node chain = null;
        for (int i = 0; i < 100_000; i++) {
            chain = new Node(i, chain);
        }
        SerializationException deep = refused(List.of(List.of(Map.of("chain", chain))));
        assertTrue(deep.getMessage().startsWith("args[0][0][\"chain\"]: cannot convert a " + Node.class.getName()
                + ": nested deeper than " + Values.MAX_DEPTH + " levels, or a cycle"), deep.getMessage());
        assertTrue(deep.getMessage().length() < 400, "Jackson's reference chain is not repeated: " + deep.getMessage());
    }

    @Test
    void aJdkTypeIsNeverConvertedAndIsRefusedWithItsPath() {
        SerializationException e = refused(List.of(Map.of("worker", List.of(1, new Thread()))));
        assertTrue(e.getMessage().startsWith("args[0][\"worker\"][1]: cannot send a java.lang.Thread"),
                e.getMessage());
        assertTrue(refused(List.of(new Object())).getMessage().startsWith("args[0]: cannot send a java.lang.Object"));
    }

    @Test
    void anOptionalIsTransparentAndItsRecordIsConverted() throws IOException {
        List<Object> args = new ArrayList<>();
        args.add(Optional.of(new Point(1, 1)));
        args.add(Optional.empty());
        args.add(Map.of("o", Optional.of(List.of(Optional.of("s")))));
        List<Object> expected = new ArrayList<>();
        expected.add(Map.of("x", 1L, "y", 1L));
        expected.add(null);
        expected.add(Map.of("o", List.of("s")));
        assertEquals(expected, sent(args));
        // An Optional adds no level: a record in one at the last level still goes.
        assertEquals(List.of(nested(Values.MAX_DEPTH - 1, Map.of("x", 2L, "y", 2L))),
                sent(List.of(nested(Values.MAX_DEPTH - 1, Optional.of(new Point(2, 2))))));
    }

    @Test
    void withoutTheConverterARecordIsRefusedAsBefore() {
        SerializationException e = assertThrows(SerializationException.class,
                () -> FrameCodec.encode(Messages.call(1, "echo", List.of(Map.of("p", new Point(1, 2))), null, 1000L),
                        MAX));
        assertTrue(e.getMessage().startsWith("args[0][\"p\"]: cannot send a " + Point.class.getName()), e.getMessage());
    }

    @Test
    void plainValuesNeverReachTheConverter() throws IOException {
        Map<Object, Object> m = new LinkedHashMap<>();
        m.put("s", "x");
        m.put(3, List.of(1L, 2.5, true, new byte[]{1}, Optional.of("o")));
        byte[] frame = FrameCodec.encode(Messages.call(1, "echo", List.of(m), null, 1000L), MAX, v -> {
            throw new AssertionError("asked about " + v);
        });
        assertEquals(FrameCodec.encode(Messages.call(1, "echo", List.of(m), null, 1000L), MAX).length, frame.length);
    }
}
