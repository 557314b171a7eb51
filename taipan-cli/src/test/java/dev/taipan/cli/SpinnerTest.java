package dev.taipan.cli;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpinnerTest {
    /** A console that records what the spinner draws. */
    static final class Recording implements Console {
        final boolean live;
        final List<String> events = new CopyOnWriteArrayList<>();
        final CountDownLatch drawn = new CountDownLatch(2);

        Recording(boolean live) {
            this.live = live;
        }

        @Override
        public void println(String line) {
            events.add("println " + line);
        }

        @Override
        public void progress(String line, boolean last) {
            events.add("progress " + line);
            drawn.countDown();
        }

        @Override
        public void clearProgress() {
            events.add("clear");
        }

        @Override
        public boolean interactive() {
            return live;
        }

        @Override
        public void close() {
        }
    }

    @Test
    void onALiveLineItSpinsWithTheSecondsAndIsErasedWhenClosed() throws Exception {
        Recording console = new Recording(true);
        try (Spinner s = Spinner.on(console, "starting 4 Python workers", Duration.ZERO)) {
            assertTrue(console.drawn.await(10, TimeUnit.SECONDS), "two frames drawn");
        }
        List<String> events = List.copyOf(console.events);
        assertTrue(events.get(0).matches("progress [|/\\\\-] starting 4 Python workers \\(\\d+\\.\\d s\\)"), events.get(0));
        assertTrue(!events.get(0).equals(events.get(1)), "the frame turns: " + events);
        assertEquals("clear", events.get(events.size() - 1), "erased at the end: " + events);
        int size = console.events.size();
        assertEquals(size, console.events.size(), "nothing drawn after close");
    }

    @Test
    void nothingIsDrawnBeforeTheDelayNorWithoutALiveLine() {
        Recording slow = new Recording(true);
        try (Spinner s = Spinner.on(slow, "x", Duration.ofMinutes(5))) {
            // closed long before its delay: a fast start does not flicker
        }
        assertEquals(List.of("clear"), slow.events);
        Recording plain = new Recording(false);
        try (Spinner s = Spinner.on(plain, "x", Duration.ZERO)) {
            // plain output (a log, CI): no spinner bytes at all
        }
        assertEquals(List.of(), plain.events);
    }
}
