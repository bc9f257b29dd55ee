package dev.airlock.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.airlock.error.AirlockException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Reading and writing a ledger file, with the failure kinds a user can act on: a file that cannot be
 * read or written (permission, disk full, read-only file system) is {@code LOCAL}, naming the file;
 * one that is not JSON, or not a ledger, is {@code USAGE}, naming the file and what is wrong.
 */
public final class LedgerFile {
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private LedgerFile() {
    }

    /**
     * The file's top-level object, checked field by field by the caller; empty if there is no file.
     *
     * @param what the file as a user should read it, e.g. {@code "importer ledger /x/daily.json"}
     */
    public static Optional<CheckedJson> read(Path file, String what) {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        byte[] bytes;
        try {
            bytes = BoundedFiles.read(file, BoundedFiles.STATE);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (AirlockException e) {
            // permission denied already says who needs what; anything else is named as this ledger
            throw e.getCause() instanceof AccessDeniedException ? e : AirlockException.local("cannot read " + what + ": " + e.getMessage(), e);
        }
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw AirlockException.usage(what + " is not valid JSON: " + e.getOriginalMessage()
                    + (e.getLocation() != null ? " (line " + e.getLocation().getLineNr() + ")" : "")
                    + "; repair it or restore it from a backup");
        } catch (IOException e) {
            throw AirlockException.local("cannot read " + what + ": " + describe(e, file), e);
        }
        return Optional.of(CheckedJson.root(what, root));
    }

    /** Replaces the file atomically with {@code bytes}, creating its directory; a failure is LOCAL. */
    public static void write(Path file, String what, byte[] bytes) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            AtomicFiles.write(file, bytes, false);
        } catch (IOException e) {
            throw AirlockException.local("cannot write " + what + ": " + describe(e, file), e);
        }
    }

    /** What went wrong, in words, with the path that failed when it is not {@code file} itself. */
    static String describe(IOException e, Path file) {
        if (e instanceof FileSystemException f) {
            String reason = e instanceof AccessDeniedException ? "permission denied (" + BoundedFiles.whoNeeds("write access to "
                    + file.toAbsolutePath().getParent()) + ")"
                    : e instanceof FileAlreadyExistsException ? "a file is in the way"
                    : e instanceof DirectoryNotEmptyException ? "a directory is in the way"
                    : e instanceof NoSuchFileException ? "no such file or directory"
                    : f.getReason() != null ? f.getReason() : e.getClass().getSimpleName();
            String where = f.getFile() != null && !Path.of(f.getFile()).equals(file) ? " (" + f.getFile() + ")" : "";
            return reason + where;
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
