package dupex.index;

import java.nio.file.Files;
import java.nio.file.Path;
import org.rocksdb.RocksDBException;
import org.rocksdb.Status;

/** Classifies RocksDB's errors by their status code into the index exceptions the CLI maps to exit codes. */
final class IndexErrors {
  private IndexErrors() {}

  static IndexException translate(Path dir, String what, RocksDBException e) {
    Status status = e.getStatus();
    Status.Code code = status == null ? null : status.getCode();
    Status.SubCode sub = status == null ? null : status.getSubCode();
    String detail = e.getMessage() == null ? String.valueOf(code) : e.getMessage();
    if (code == Status.Code.Corruption) {
      return new IndexException.Corrupt("index " + dir + " is corrupt (" + detail + "); remove it to rebuild: rm -rf " + dir, e);
    }
    if (sub == Status.SubCode.NoSpace) return new IndexException.NoSpace("index " + dir + ": disk full (" + detail + ")", e);
    if (code == Status.Code.IOError && !(Files.isReadable(dir) && Files.isWritable(dir))) {
      return new IndexException.Denied("index " + dir + ": Permission denied", e);
    }
    return new IndexException("index " + dir + ": " + what + ": " + detail, e);
  }
}
