package dupex.linux;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestInfo;

/**
 * Base of the real-filesystem contracts: each test gets a fresh loop filesystem of {@link #kind()}, mounted at a
 * directory named after the test, with an empty {@link #root} directory on it; it is unmounted and deleted
 * afterwards, also when the test failed.
 */
@Tag("fs")
public abstract class RealFsTest {
  protected static final int MiB = 1 << 20;
  protected LoopFs fs;
  protected Path root;

  protected abstract LoopFs.Kind kind();

  @BeforeEach
  void mountRealFs(TestInfo info) throws Exception {
    fs = LoopFs.create(kind(), getClass().getSimpleName() + "-" + info.getTestMethod().orElseThrow().getName());
    root = Files.createDirectory(fs.root().resolve("data"));
  }

  @AfterEach
  void unmountRealFs() {
    if (fs != null) fs.close();
  }
}
