package dev.airlock.export.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.apache.commons.io.output.WriterOutputStream;

/** Bytes from the bastion (a remote command's stdout or stderr) onto one of our writers, as they come. */
final class Relay {
    private Relay() {
    }

    static OutputStream to(PrintWriter w) {
        WriterOutputStream decoder;
        try {
            decoder = WriterOutputStream.builder().setWriter(w).setCharset(StandardCharsets.UTF_8).setWriteImmediately(true).get();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                decoder.write(b);
                w.flush();
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                decoder.write(b, off, len);
                w.flush();
            }

            @Override
            public void flush() throws IOException {
                decoder.flush();
                w.flush();
            }

            @Override
            public void close() throws IOException {
                flush(); // never closes the writer: it is our stdout or stderr
            }
        };
    }
}
