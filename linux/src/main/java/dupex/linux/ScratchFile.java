package dupex.linux;

import java.nio.ByteBuffer;

/** A file of dupex's own that it writes copies of data into, then shares with the original through dedupe. */
public interface ScratchFile extends OpenFile {
  /** Writes a direct buffer from its position to its limit at {@code offset}. */
  void write(ByteBuffer buffer, long offset) throws NativeIOException;

  /** Places the written data on disk (a full disk shows here, as ENOSPC). */
  void sync() throws NativeIOException;
}
