package dev.taipan.pool;

import dev.taipan.protocol.Messages;
import dev.taipan.protocol.ProtocolException;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The rules of {@link WorkerLogs}, frame by frame (the real workers' records: {@code WorkerLogsTest}). */
class WorkerLogsMappingTest {
    @Test
    void pythonLevelsMapByRange() {
        assertEquals(Level.ERROR, WorkerLogs.level(50));
        assertEquals(Level.ERROR, WorkerLogs.level(40));
        assertEquals(Level.WARN, WorkerLogs.level(39));
        assertEquals(Level.WARN, WorkerLogs.level(30));
        assertEquals(Level.INFO, WorkerLogs.level(25));
        assertEquals(Level.DEBUG, WorkerLogs.level(10));
        assertEquals(Level.TRACE, WorkerLogs.level(9));
        assertEquals(Level.TRACE, WorkerLogs.level(0));
    }

    @Test
    void loggerNamesArePrefixedAndTheRootHasAName() {
        assertEquals("dev.taipan.worker.myapp.scoring", WorkerLogs.loggerName("myapp.scoring"));
        assertEquals("dev.taipan.worker.root", WorkerLogs.loggerName("root"));
        assertEquals("dev.taipan.worker.root", WorkerLogs.loggerName("  "));
    }

    @Test
    void aRecordCarriesItsMdcAndItsRedactedTextAndTraceback() {
        WorkerLogs logs = new WorkerLogs("p", Redactor.of(Map.of("KEY", "sk-secret-value"), Set.of("KEY")));
        List<WorkerLogs.Logged> seen = new ArrayList<>();
        logs.onLogged(seen::add);
        logs.accept("w-1", Messages.log(40, "app", "key sk-secret-value", "Traceback ...\nValueError: sk-secret-value",
                "taipan-call_0", 9L, "4bf92f3577b34da6a3ce929d0e0e4736"));
        logs.accept("w-1", Messages.log(20, "app", "outside", null, null, null, null));
        WorkerLogs.Logged first = seen.get(0);
        assertEquals(new WorkerLogs.Logged("dev.taipan.worker.app", Level.ERROR, "key ***",
                "Traceback ...\nValueError: ***", Map.of(WorkerLogs.MDC_POOL, "p", WorkerLogs.MDC_WORKER, "w-1",
                WorkerLogs.MDC_CALL_ID, "9", WorkerLogs.MDC_TRACE_ID, "4bf92f3577b34da6a3ce929d0e0e4736",
                WorkerLogs.MDC_THREAD, "taipan-call_0")), first);
        logs.accept("w-1", Messages.log(20, "app", "odd trace", null, null, 3L, "not a trace id"));
        assertEquals(Map.of(WorkerLogs.MDC_POOL, "p", WorkerLogs.MDC_WORKER, "w-1", WorkerLogs.MDC_CALL_ID, "3"),
                seen.get(2).mdc(), "a trace id of the wrong shape is left out");
        WorkerLogs.Logged second = seen.get(1);
        assertNull(second.exception());
        assertEquals(Map.of(WorkerLogs.MDC_POOL, "p", WorkerLogs.MDC_WORKER, "w-1"), second.mdc());
    }

    @Test
    void namesBeyondTheCapShareOneLoggerWithTheNameInTheMessage() {
        WorkerLogs logs = new WorkerLogs("p", Redactor.NONE);
        List<WorkerLogs.Logged> seen = new ArrayList<>();
        logs.onLogged(seen::add);
        for (int i = 0; i < WorkerLogs.MAX_LOGGERS + 1; i++) {
            logs.accept("w-1", Messages.log(20, "gen" + i, "m", null, null, null, null));
        }
        WorkerLogs.Logged last = seen.get(seen.size() - 1);
        assertEquals(WorkerLogs.OTHER, last.logger());
        assertEquals("[gen" + WorkerLogs.MAX_LOGGERS + "] m", last.message());
        assertEquals("dev.taipan.worker.gen0", seen.get(0).logger());
    }

    @Test
    void thePoolOptionDefaultsToInfoAndRefusesNullNamingTheWayToTurnItOff() {
        assertEquals(dev.taipan.WorkerLogLevel.INFO, dev.taipan.PoolConfig.builder().name("p").build().workerLogLevel());
        NullPointerException e = assertThrows(NullPointerException.class,
                () -> dev.taipan.PoolConfig.builder().workerLogLevel(null));
        assertEquals("workerLogLevel must not be null: use WorkerLogLevel.OFF to send no worker log records",
                e.getMessage());
        assertEquals(20, dev.taipan.WorkerLogLevel.INFO.pythonLevel());
    }

    @Test
    void aLogFrameOfTheWrongShapeIsAProtocolError() {
        WorkerLogs logs = new WorkerLogs("p", Redactor.NONE);
        Map<String, Object> noLevel = Messages.log(20, "app", "m", null, null, null, null);
        noLevel.remove("level");
        assertThrows(ProtocolException.class, () -> logs.accept("w-1", noLevel));
        Map<String, Object> badCall = Messages.log(20, "app", "m", null, null, null, null);
        badCall.put("call_id", "seven");
        assertThrows(ProtocolException.class, () -> logs.accept("w-1", badCall));
    }
}
