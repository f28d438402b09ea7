package dupex.linux;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An absolute path as the kernel knows it: bytes, whatever the locale. Java's {@code Path} decodes names with the
 * locale's charset, so under cron's empty environment a non-ASCII name cannot be opened and a name that is not
 * UTF-8 never decodes; dupex keeps names as bytes from the walk to the index to the kernel call, and turns them
 * into text only to show them ({@link #toString}: escaped) or to write JSON ({@link #toJsonString}: lossless).
 * Ordered byte by byte, like {@code ls} in the C locale.
 */
public final class BytePath implements Comparable<BytePath> {
  public static final BytePath ROOT = new BytePath(new byte[] {'/'});
  private final byte[] bytes;

  private BytePath(byte[] bytes) {
    this.bytes = bytes;
  }

  /**
   * An absolute path from its bytes: no NUL, starts with '/', no empty, "." or ".." component, no trailing '/'
   * (except "/" itself).
   */
  public static BytePath of(byte[] bytes) {
    byte[] b = bytes.clone();
    if (b.length == 0 || b[0] != '/') throw new IllegalArgumentException("not an absolute path: " + show(b));
    if (b.length > 1) {
      int start = 1;
      for (int i = 1; i <= b.length; i++) {
        if (i < b.length && b[i] == 0) throw new IllegalArgumentException("NUL in a path: " + show(b));
        if (i == b.length || b[i] == '/') {
          if (!isName(Arrays.copyOfRange(b, start, i))) throw new IllegalArgumentException("not a normalized path: " + show(b));
          start = i + 1;
        }
      }
    }
    return new BytePath(b);
  }

  /** An absolute path from text (UTF-8): for paths typed in tests and options. */
  public static BytePath of(String path) {
    return of(path.getBytes(StandardCharsets.UTF_8));
  }

  /** A directory entry's name is one component: not empty, not "." or "..", no '/' and no NUL. */
  public static boolean isName(byte[] name) {
    if (name.length == 0 || (name.length == 1 && name[0] == '.') || (name.length == 2 && name[0] == '.' && name[1] == '.')) {
      return false;
    }
    for (byte c : name) if (c == '/' || c == 0) return false;
    return true;
  }

  /** This path with one more component. */
  public BytePath resolve(byte[] name) {
    if (!isName(name)) throw new IllegalArgumentException("not a file name: " + show(name));
    boolean root = bytes.length == 1;
    byte[] b = new byte[bytes.length + (root ? 0 : 1) + name.length];
    System.arraycopy(bytes, 0, b, 0, bytes.length);
    if (!root) b[bytes.length] = '/';
    System.arraycopy(name, 0, b, b.length - name.length, name.length);
    return new BytePath(b);
  }

  /** The last component's bytes (empty for "/"). */
  public byte[] fileName() {
    return Arrays.copyOfRange(bytes, lastSlash() + 1, bytes.length);
  }

  /** The directory holding this path, or null for "/". */
  public BytePath parent() {
    if (bytes.length == 1) return null;
    int slash = lastSlash();
    return new BytePath(slash == 0 ? new byte[] {'/'} : Arrays.copyOf(bytes, slash));
  }

  private int lastSlash() {
    for (int i = bytes.length - 1; i >= 0; i--) if (bytes[i] == '/') return i;
    throw new IllegalStateException("not absolute");
  }

  /** True if {@code this} is {@code other} or lies below it. */
  public boolean startsWith(BytePath other) {
    if (other.bytes.length == 1) return true;
    if (bytes.length < other.bytes.length) return false;
    for (int i = 0; i < other.bytes.length; i++) if (bytes[i] != other.bytes[i]) return false;
    return bytes.length == other.bytes.length || bytes[other.bytes.length] == '/';
  }

  /** The components below {@code base} (which this path starts with), e.g. ["a", "b"] for /r/a/b below /r. */
  public List<byte[]> namesBelow(BytePath base) {
    if (!startsWith(base)) throw new IllegalArgumentException(this + " is not below " + base);
    List<byte[]> names = new ArrayList<>();
    int start = base.bytes.length == 1 ? 1 : base.bytes.length + 1;
    for (int i = start; i <= bytes.length && start < bytes.length; i++) {
      if (i == bytes.length || bytes[i] == '/') {
        names.add(Arrays.copyOfRange(bytes, start, i));
        start = i + 1;
      }
    }
    return names;
  }

  /** The path below {@code base} as bytes without a leading '/' ("" for base itself), for openat-style calls. */
  public byte[] relativeTo(BytePath base) {
    if (!startsWith(base)) throw new IllegalArgumentException(this + " is not below " + base);
    int start = base.bytes.length == 1 ? 1 : Math.min(bytes.length, base.bytes.length + 1);
    return Arrays.copyOfRange(bytes, start, bytes.length);
  }

  /** The bytes (a copy). */
  public byte[] bytes() {
    return bytes.clone();
  }

  /** The bytes followed by a NUL, for a system call. */
  byte[] cString() {
    return Arrays.copyOf(bytes, bytes.length + 1);
  }

  public int length() {
    return bytes.length;
  }

  /**
   * Text for JSON, lossless: the UTF-8 decoding where the bytes are UTF-8, and each byte that is not as the lone
   * surrogate U+DC00 + byte (U+DC80-U+DCFF) (Python's "surrogateescape", PEP 383: {@code os.fsencode(json.loads(...))} gives the
   * bytes back). {@link #fromJsonString} reverses it.
   */
  public String toJsonString() {
    return decode(bytes, true);
  }

  /** The path {@link #toJsonString} wrote. */
  public static BytePath fromJsonString(String s) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      i += Character.charCount(cp);
      if (cp >= 0xDC80 && cp <= 0xDCFF) {
        out.write(cp - 0xDC00);
      } else {
        byte[] b = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
        out.write(b, 0, b.length);
      }
    }
    return of(out.toByteArray());
  }

  /**
   * The path for people: UTF-8 where it is UTF-8; a byte that is not, a control character and a backslash are
   * escaped ({@code \xff}, {@code \n}, {@code \\}), so a name with a newline stays on one line and every name
   * reads back unambiguously.
   */
  @Override
  public String toString() {
    return show(bytes);
  }

  /** Escaped text of any bytes (a path or one name), as {@link #toString}. */
  public static String show(byte[] bytes) {
    return decode(bytes, false);
  }

  private static String decode(byte[] bytes, boolean json) {
    boolean plain = true;
    for (byte c : bytes) if (c < 0x20 || c == 0x7f || c == '\\') plain = false; // also catches every byte >= 0x80
    if (plain) return new String(bytes, StandardCharsets.ISO_8859_1);
    StringBuilder sb = new StringBuilder(bytes.length + 8);
    CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    int i = 0;
    while (i < bytes.length) {
      int c = bytes[i] & 0xff;
      if (c < 0x80) {
        if (json) sb.append((char) c);
        else appendAscii(sb, c);
        i++;
        continue;
      }
      int n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
      String ch = n > 1 && i + n <= bytes.length ? decodeOne(utf8, bytes, i, n) : null;
      if (ch != null) {
        sb.append(ch);
        i += n;
      } else {
        if (json) sb.append((char) (0xDC00 + c));
        else sb.append(String.format("\\x%02x", c));
        i++;
      }
    }
    return sb.toString();
  }

  private static void appendAscii(StringBuilder sb, int c) {
    switch (c) {
      case '\\' -> sb.append("\\\\");
      case '\n' -> sb.append("\\n");
      case '\t' -> sb.append("\\t");
      case '\r' -> sb.append("\\r");
      default -> {
        if (c < 0x20 || c == 0x7f) sb.append(String.format("\\x%02x", c));
        else sb.append((char) c);
      }
    }
  }

  /** One UTF-8 sequence of n bytes, or null if it is not a valid one (overlong, surrogate, out of range). */
  private static String decodeOne(CharsetDecoder utf8, byte[] b, int at, int n) {
    try {
      CharBuffer out = utf8.reset().decode(ByteBuffer.wrap(b, at, n));
      return out.toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof BytePath p && Arrays.equals(bytes, p.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  /** Byte order, unsigned (the C locale's order). */
  @Override
  public int compareTo(BytePath o) {
    return Arrays.compareUnsigned(bytes, o.bytes);
  }
}
