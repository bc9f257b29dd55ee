package dev.airlock.imports.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code watch --json} and {@code serve --json}: each event line as one JSON object on one line
 * (JSON Lines), so a script reads the stream line by line. An object holds the event line's own
 * text ({@code message}, exactly what the line says without --json) and its time, and names what
 * the line says in fields: {@code event} (its kind), and where the line names them {@code bundle}
 * (the file in the inbox), {@code channel}, {@code exitCode} and {@code to} (where the files went).
 * Those fields are read from the line by the table below, which follows the watcher's and the
 * server's line formats; a line no rule knows is an event {@code note} with its message. So the
 * JSON never says more, or other, than the text line.
 */
final class EventJson {
    static final String WATCH = "airlock-watch/v1";
    static final String SERVE = "airlock-serve/v1";
    /** Not JsonOutput.MAPPER: that one indents, and an event is one line. */
    private static final ObjectMapper COMPACT = new ObjectMapper();

    private record Rule(String event, Pattern pattern) {
    }

    private static final String KEY = "(?<bundle>\\S+?)";
    private static final String TO = " -> (?<to>\\S+)";
    /** First match wins; a line that starts with "still " (a reminder of an unchanged state) is matched without it. */
    private static final List<Rule> RULES = List.of(
            rule("picked-up", "picked up " + KEY + ": "),
            rule("imported", "imported " + KEY + ": channel (?<channel>\\S+), .*" + TO + "$"),
            rule("duplicate", "duplicate " + KEY + ": channel (?<channel>\\S+), .*" + TO + "$"),
            rule("rejected", "rejected " + KEY + ": exit (?<exitCode>\\d+): .*" + TO + " \\(reason in "),
            rule("left", "left " + KEY + " in place: exit (?<exitCode>\\d+): "),
            rule("retry", "retry in \\S+: " + KEY + ": exit (?<exitCode>\\d+): "),
            rule("waiting", "waiting: channel (?<channel>\\S+): " + KEY + " \\(sequence "),
            rule("set-aside", "set aside \\S+: .*" + TO + " \\(its bundle " + KEY + " "),
            rule("changed", KEY + " changed while it was imported"),
            rule("resuming", "resuming " + KEY + ": "),
            rule("finishing-move", "finishing the move of " + KEY + " to "),
            rule("incomplete", "not complete yet: "),
            rule("once", "once: "),
            rule("watching", "watching "),
            rule("stopped", "stopped"),
            rule("stopping", "stopping"),
            rule("received", "received (?<file>\\S+) "),
            rule("kept", "kept "),
            rule("refused", "refused "),
            rule("session-opened", "session opened "),
            rule("session-closed", "session closed"),
            rule("listening", "listening on "),
            rule("host-key", "host key "),
            rule("known-hosts", "known_hosts line "),
            rule("upload-ended", "upload of "));

    private EventJson() {
    }

    private static Rule rule(String event, String regex) {
        return new Rule(event, Pattern.compile("^" + regex));
    }

    /**
     * The event line {@code text} at {@code time} as one line of JSON ({@code schema}: {@link #WATCH}
     * or {@link #SERVE}; {@code source}: "watcher" for the inbox watcher's events, "server" for the
     * SFTP server's).
     */
    static String line(String schema, Instant time, String source, String text) {
        return write(object(schema, time, source, text));
    }

    /** {@code watch --once}'s last line: event "once", its counts, and the text line's message. */
    static String once(String schema, Instant time, dev.airlock.imports.inbox.WatchSummary s) {
        ObjectNode o = object(schema, time, "watcher", "once: " + s.describe());
        // counts end in Count (the JSON vocabulary: a plural name is an array)
        o.put("importedCount", s.imported());
        o.put("duplicateCount", s.duplicates());
        o.put("rejectedCount", s.rejected());
        o.put("retryCount", s.retrying());
        o.put("waitingCount", s.waiting().size());
        o.put("incompleteCount", s.left().size());
        o.put("exitCode", s.exitCode());
        o.put("message", o.remove("message").asText()); // the message last, as in every event
        return write(o);
    }

    private static ObjectNode object(String schema, Instant time, String source, String text) {
        ObjectNode o = COMPACT.createObjectNode();
        o.put("schema", schema);
        o.put("time", time.toString());
        o.put("source", source);
        String plain = text.startsWith("still ") ? text.substring("still ".length()) : text;
        o.put("event", "note");
        for (Rule r : RULES) {
            Matcher m = r.pattern().matcher(plain);
            if (m.find()) {
                o.put("event", r.event());
                fields(m, o);
                break;
            }
        }
        o.put("message", text);
        return o;
    }

    private static String write(ObjectNode o) {
        try {
            return COMPACT.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void fields(Matcher m, ObjectNode o) {
        for (String name : List.of("bundle", "file", "channel", "exitCode", "to")) {
            String v;
            try {
                v = m.group(name);
            } catch (IllegalArgumentException notInThisRule) {
                continue;
            }
            if (v != null && name.equals("exitCode")) {
                o.put(name, Integer.parseInt(v));
            } else if (v != null) {
                o.put(name, v);
            }
        }
    }
}
