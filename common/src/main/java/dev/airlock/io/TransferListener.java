package dev.airlock.io;

import dev.airlock.digest.Digest;

/** Byte progress per blob, from the copy engine to whoever renders it. Must be thread-safe. */
public interface TransferListener {
    TransferListener NONE = new TransferListener() {
    };

    /** Called once before any blob: how much is about to move. */
    default void planned(String action, long totalBytes, int blobCount) {
    }

    default void started(Digest blob, long size) {
    }

    default void progressed(Digest blob, long bytes) {
    }

    default void finished(Digest blob) {
    }

    /** Called once when everything moved. */
    default void done() {
    }

    /**
     * The run failed (or ended) without {@link #done}: stop rendering and print nothing more (the
     * error says what happened). After {@link #done}, or called twice, it does nothing. A long-lived
     * caller (watch, serve) calls it after every run, so no progress ticker outlives its import.
     */
    default void abandoned() {
    }
}
