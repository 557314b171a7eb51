package dev.taipan.pool;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/**
 * Workers on this host: processes started by a {@link WorkerLauncher} (forked from the zygote
 * or spawned) that connect back to the pool's {@link SocketListener} and authenticate with a
 * per-worker token.
 */
final class LocalWorkerSource implements WorkerSource {
    private final SocketListener listener;
    private final WorkerLauncher launcher;

    LocalWorkerSource(SourceContext context) throws IOException {
        var config = context.config();
        this.listener = new SocketListener(context.threads(), config.socketParent(), config.name(),
                config.maxFrameBytes(), config.startTimeout().toMillis());
        try {
            this.launcher = new WorkerLauncher(config, context.python(), context.runId(), listener.socketPath(), context.threads(),
                    context.redactor());
        } catch (RuntimeException e) {
            listener.close();
            throw e;
        }
    }

    @Override
    public Launch launch(Worker w) {
        String token = launcher.newToken();
        CompletableFuture<Connection> connected = listener.expect(w.id, token);
        CompletableFuture<WorkerProcess> launched;
        try {
            launched = launcher.launch(w, token);
        } catch (RuntimeException e) {
            connected.cancel(false);
            throw e;
        }
        return new Launch(launched, connected);
    }

    @Override
    public void close() {
        listener.close();
        launcher.close();
    }
}
