package dev.airlock.imports.inbox;

import dev.airlock.error.AirlockException;
import dev.airlock.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * Carries out a ready set's {@link InboxScan.Arrangement} before its import: each squatter (a copy
 * that is not the one its signed list names, {@link SignedCopies}) goes to {@code rejected/} with
 * {@code NAME.reason} naming the name it took, by the inbox's delivery rule (never deleted, never
 * replacing); then each chosen copy takes the name it was kept beside, with link(2), which fails if
 * the name was taken again meanwhile (then the next listing looks again). The set is imported by
 * its own names from the next listing on, as any other.
 */
final class SquatterMoves {
    private final Path inbox;
    private final InboxMoves moves;
    private final Consumer<String> log;

    SquatterMoves(Path inbox, InboxMoves moves, Consumer<String> log) {
        this.inbox = inbox;
        this.moves = moves;
        this.log = log;
    }

    /** Sets {@code c}'s squatters aside and gives its chosen copies their names; {@code c} is taken again by the next listing. */
    void arrange(InboxScan.Candidate c) {
        setAside(c, c.arrangement().squats());
        promote(c);
    }

    /** Moves each of {@code squats} to {@code rejected/} with its reason, naming the set {@code c}. */
    void setAside(InboxScan.Candidate c, List<SignedCopies.Squat> squats) {
        for (SignedCopies.Squat s : squats) {
            String name = s.file().getFileName().toString();
            String to = moves.move(name, List.of(s.file()), true, "airlock-import: " + s.why() + "\n");
            log.accept("set aside " + name + " beside volume set " + c.key() + ": " + s.why() + " -> " + to + " (reason in " + to
                    + ".reason)");
        }
    }

    private void promote(InboxScan.Candidate c) {
        for (Path copy : c.arrangement().promote()) {
            String name = SignedCopies.base(copy.getFileName().toString());
            try {
                Files.createLink(inbox.resolve(name), copy);
                Files.delete(copy);
                AtomicFiles.fsyncDirectory(inbox);
                log.accept("took " + copy.getFileName() + " as " + name + ": it is the copy the signed list of " + c.key() + " names");
            } catch (FileAlreadyExistsException | NoSuchFileException e) {
                log.accept(name + " was taken again (or " + copy.getFileName() + " went) meanwhile: volume set " + c.key()
                        + " is looked at again");
            } catch (IOException | UnsupportedOperationException e) {
                throw AirlockException.local("cannot give " + copy.getFileName() + " the name " + name + " (a hard link in the inbox): "
                        + e.getMessage(), e);
            }
        }
    }
}
