package dupex.cli;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * Sizes ("128K", "1MiB", "1.5G", "4096": binary multiples) and durations ("90s", "30min", "1h30m", "1d", or ISO-8601
 * "PT2H") on the command line, and their display.
 */
final class Units {
  private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgtp]?)(i?b)?", Pattern.CASE_INSENSITIVE);
  private static final Pattern DURATION_PART = Pattern.compile(
      "(\\d+)\\s*(days?|d|hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)\\s*");

  private Units() {}

  static long parseSize(String s) {
    Matcher m = SIZE.matcher(s.trim());
    if (!m.matches()) throw new IllegalArgumentException("not a size: '" + s + "' (examples: 4096, 128K, 1M, 1.5G, 2GiB)");
    int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
      case "k" -> 10;
      case "m" -> 20;
      case "g" -> 30;
      case "t" -> 40;
      case "p" -> 50;
      default -> 0;
    };
    java.math.BigDecimal v = new java.math.BigDecimal(m.group(1)).multiply(java.math.BigDecimal.valueOf(1L << shift));
    if (v.compareTo(java.math.BigDecimal.valueOf(Long.MAX_VALUE)) > 0) throw new IllegalArgumentException("size too large: " + s);
    if (v.stripTrailingZeros().scale() > 0) throw new IllegalArgumentException("not a whole number of bytes: " + s);
    return v.longValueExact();
  }

  static Duration parseDuration(String s) {
    String t = s.trim().toLowerCase(Locale.ROOT);
    if (t.startsWith("p")) return Duration.parse(t.toUpperCase(Locale.ROOT));
    if (t.matches("\\d+")) return Duration.ofSeconds(Long.parseLong(t));
    Matcher m = DURATION_PART.matcher(t);
    Duration d = Duration.ZERO;
    int end = 0;
    while (m.find()) {
      if (m.start() != end) break;
      long v = Long.parseLong(m.group(1));
      d = d.plus(switch (m.group(2).charAt(0)) {
        case 'd' -> Duration.ofDays(v);
        case 'h' -> Duration.ofHours(v);
        case 'm' -> Duration.ofMinutes(v);
        default -> Duration.ofSeconds(v);
      });
      end = m.end();
    }
    if (end != t.length() || end == 0) throw new IllegalArgumentException("not a duration: '" + s + "' (examples: 90s, 30min, 1h30m, 1d)");
    return d;
  }

  /** 1536 -> "1.5 KiB". */
  static String bytes(long n) {
    if (n < 0) return "-" + bytes(-n);
    if (n < 1024) return n + " B";
    String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
    double v = n;
    int i = -1;
    while (v >= 1024 && i < units.length - 1) {
      v /= 1024;
      i++;
    }
    return String.format(Locale.ROOT, v >= 100 ? "%.0f %s" : v >= 10 ? "%.1f %s" : "%.2f %s", v, units[i]);
  }

  /** Checks a --exclude glob when the command line is parsed (exit 64), keeping it as given. */
  static final class GlobConverter implements CommandLine.ITypeConverter<String> {
    @Override
    public String convert(String value) {
      try {
        dupex.scanner.Glob.compile(value);
        return value;
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException("not a valid glob: '" + value + "' (" + e.getMessage() + ")");
      }
    }
  }

  static final class SizeConverter implements CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
      try {
        return parseSize(value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }

  static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      try {
        return parseDuration(value);
      } catch (RuntimeException e) {
        throw new CommandLine.TypeConversionException("not a duration: '" + value + "' (examples: 90s, 30min, 1h30m, 1d)");
      }
    }
  }
}
