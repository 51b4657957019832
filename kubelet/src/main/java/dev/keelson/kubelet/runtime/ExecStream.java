package dev.keelson.kubelet.runtime;

import java.io.Closeable;
import java.io.IOException;

/** The streams of a running interactive exec: output chunks in, stdin out, and stdin's end-of-file. */
public interface ExecStream extends Closeable {
    /** One piece of output: stream 1 = stdout, 2 = stderr. */
    record Chunk(int stream, byte[] data) {}

    /** Next output chunk, or null at the end of the stream. */
    Chunk read() throws IOException;

    void writeStdin(byte[] data) throws IOException;

    /** Ends the process's stdin; output keeps flowing. */
    void closeStdin() throws IOException;
}
