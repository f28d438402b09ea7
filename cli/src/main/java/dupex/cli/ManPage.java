package dupex.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * Writes dupex's man page (troff, dupex.1) and its bash and zsh completion scripts from the picocli model of the
 * commands, so that they never drift from --help. The build runs it on the packaged jar:
 * {@code java -cp dupex.jar dupex.cli.ManPage DIR} (the page's date: $SOURCE_DATE_EPOCH, else today).
 */
public final class ManPage {
  private ManPage() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 1) throw new IllegalArgumentException("usage: ManPage OUTPUT_DIR");
    String epoch = System.getenv("SOURCE_DATE_EPOCH");
    String date = (epoch == null ? java.time.LocalDate.now(java.time.ZoneOffset.UTC)
        : java.time.LocalDate.ofInstant(java.time.Instant.ofEpochSecond(Long.parseLong(epoch)), java.time.ZoneOffset.UTC)).toString();
    Path dir = Files.createDirectories(Path.of(args[0]));
    CommandLine cl = Main.commandLine(Session.forTest(Map.of()));
    byte[] page = troff(cl.getCommandSpec(), date).getBytes(StandardCharsets.UTF_8);
    Files.write(dir.resolve("dupex.1"), page);
    // Debian installs man pages compressed; no name or time in the header, so that builds are reproducible.
    try (var gz = new java.util.zip.GZIPOutputStream(Files.newOutputStream(dir.resolve("dupex.1.gz"))) {
      {
        def.setLevel(java.util.zip.Deflater.BEST_COMPRESSION);
      }
    }) {
      gz.write(page);
    }
    String bash = AutoComplete.bash("dupex", cl);
    Files.writeString(dir.resolve("dupex.bash"), bash, StandardCharsets.UTF_8);
    // zsh runs bash completion functions through bashcompinit.
    Files.writeString(dir.resolve("_dupex"), "#compdef dupex\n# dupex completion for zsh: the bash completion, through bashcompinit.\n"
        + "autoload -U +X bashcompinit && bashcompinit\n" + bash, StandardCharsets.UTF_8);
  }

  /** The man page of the whole command line: one section per command, its options, exit codes, files. */
  static String troff(CommandSpec main, String date) {
    StringBuilder m = new StringBuilder();
    m.append(".\\\" Generated from dupex's command-line model by dupex.cli.ManPage; do not edit.\n");
    m.append(".TH DUPEX 1 \"").append(date).append("\" \"dupex ").append(Main.version()).append("\" \"User Commands\"\n");
    m.append(".SH NAME\ndupex \\- reclaim disk space on btrfs and XFS by sharing identical blocks\n");
    m.append(".SH SYNOPSIS\n");
    for (CommandSpec sub : main.subcommands().values().stream().map(CommandLine::getCommandSpec).distinct().toList()) {
      m.append(".B dupex ").append(sub.name()).append("\n[\\fIOPTIONS\\fR]");
      for (PositionalParamSpec p : sub.positionalParameters()) {
        String label = p.paramLabel();
        boolean optional = p.arity().min() == 0, many = p.arity().max() > 1;
        m.append(" ").append(optional ? "[" : "").append("\\fI").append(esc(label)).append("\\fR").append(many ? "..." : "")
            .append(optional ? "]" : "");
      }
      m.append("\n.br\n");
    }
    m.append(".SH DESCRIPTION\n").append(text(String.join(" ", main.usageMessage().description()))).append("\n");
    m.append(".PP\nOn btrfs and XFS two files can share physical blocks. dupex finds blocks that hold the same data in "
        + "different places, and asks the kernel to share them (FIDEDUPERANGE: the kernel compares the bytes itself), "
        + "without changing any file's content. It keeps one index per filesystem, so that the next run reads only "
        + "what changed.\n");
    m.append(".SH COMMANDS\n");
    for (CommandSpec sub : main.subcommands().values().stream().map(CommandLine::getCommandSpec).distinct().toList()) {
      m.append(".SS \"dupex ").append(sub.name()).append("\"\n");
      m.append(text(String.join(" ", sub.usageMessage().description()))).append("\n");
      for (PositionalParamSpec p : sub.positionalParameters()) {
        m.append(".TP\n\\fI").append(esc(p.paramLabel())).append("\\fR\n").append(text(String.join(" ", p.description()))).append("\n");
      }
      for (OptionSpec o : sub.options()) {
        if (o.hidden()) continue;
        m.append(".TP\n");
        List<String> names = new ArrayList<>();
        for (String n : o.names()) names.add("\\fB" + esc(n) + "\\fR");
        m.append(String.join(", ", names));
        if (o.arity().max() > 0) m.append(" \\fI").append(esc(o.paramLabel())).append("\\fR");
        m.append("\n").append(text(String.join(" ", o.description()))).append("\n");
      }
    }
    m.append(".SH EXIT STATUS\n");
    for (String line : ExitCode.TABLE.lines().skip(1).toList()) {
      String t = line.strip();
      int space = t.indexOf(' ');
      m.append(".TP\n.B ").append(t, 0, space).append("\n").append(text(t.substring(space).strip())).append("\n");
    }
    m.append("""
        .SH ENVIRONMENT
        .TP
        .B DUPEX_HEAP
        Maximum Java heap (default 256m); the index keeps its own bounded memory outside it.
        .TP
        .B DUPEX_INDEX_CACHE
        MiB of memory for the index's block cache and write buffers (default 32, at least 16).
        .TP
        .B DUPEX_HOME
        Where the launcher finds dupex.jar when it is neither beside it nor installed in /usr/lib/dupex.
        .TP
        .B DUPEX_TMPDIR
        Java's temporary directory (default \\fB$TMPDIR\\fR or /tmp).
        .TP
        .B JAVA
        The java binary (default: java on PATH).
        .SH FILES
        .TP
        .I /var/lib/dupex/UUID
        The index of the filesystem with that UUID, as root (else \\fB$XDG_STATE_HOME/dupex\\fR or \\fB~/.local/state/dupex\\fR).
        Deleting it is safe: the next run hashes everything again.
        .TP
        .I /usr/lib/systemd/system/dupex.service, dupex.timer
        A nightly run, not enabled; the paths to dedupe go in a drop-in (\\fBsystemctl edit dupex.service\\fR):
        \\fBEnvironment=DUPEX_PATHS=\\fR, \\fBReadWritePaths=\\fR and \\fBRequiresMountsFor=\\fR.
        .TP
        .I /usr/share/doc/dupex/examples/dupex.cron
        The same as a cron job.
        .SH EXAMPLES
        .TP
        .B dupex report /srv/data
        What dedupe would reclaim, and where; touches nothing.
        .TP
        .B dupex dedupe /srv/data
        Reclaim it, with progress and totals.
        .TP
        .B dupex dedupe \\-q \\-\\-max\\-runtime 2h \\-\\-json /srv/data
        A scheduled run: silent unless something fails, time-boxed, a JSON summary on stdout.
        .SH SEE ALSO
        .BR ioctl_fideduperange (2),
        .BR btrfs (5),
        .BR xfs (5),
        .BR duperemove (8)
        """);
    return m.toString();
  }

  /** Text for a troff paragraph: escapes, and no line starting with a control character. */
  static String text(String s) {
    String t = esc(s).replace("\n", " ").strip();
    return (t.startsWith(".") || t.startsWith("'")) ? "\\&" + t : t;
  }

  static String esc(String s) {
    return s.replace("\\", "\\e").replace("-", "\\-");
  }
}
