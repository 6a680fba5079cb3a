package dev.emitron.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's headless Chromium, driven by Selenium through Debian's chromedriver, with a fresh profile;
 * {@link #close()} quits the browser, stops chromedriver and deletes the profile.
 *
 * <p>Chromium runs with the flags that keep it off the network (this machine has none but loopback).
 * Missing chromium or chromedriver skips the test, or fails it when {@code EMITRON_REQUIRE_BROWSER=true}.
 */
final class Browser implements AutoCloseable {

  static final Duration WAIT = Duration.ofSeconds(15);

  private final ChromeDriverService service;
  private final ChromeDriver driver;
  private final Path profile;

  private Browser(ChromeDriverService service, ChromeDriver driver, Path profile) {
    this.service = service;
    this.driver = driver;
    this.profile = profile;
  }

  static Browser start() {
    String install = "apt-get install chromium chromium-driver";
    Path chromium = ExternalTool.require("EMITRON_REQUIRE_BROWSER", install,
        List.of("/usr/bin/chromium", "chromium", "chromium-browser"));
    Path chromedriver = ExternalTool.require("EMITRON_REQUIRE_BROWSER", install,
        List.of("/usr/bin/chromedriver", "chromedriver"));
    Path profile;
    try {
      profile = Files.createTempDirectory("emitron-chromium-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ChromeOptions options = new ChromeOptions();
    options.setBinary(chromium.toFile());
    options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--window-size=1280,860", "--user-data-dir=" + profile);
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(chromedriver.toFile())
        .usingAnyFreePort()
        .build();
    try {
      return new Browser(service, new ChromeDriver(service, options), profile);
    } catch (RuntimeException e) {
      service.stop();
      deleteQuietly(profile);
      throw e;
    }
  }

  WebDriver driver() {
    return driver;
  }

  void open(String url) {
    driver.get(url);
  }

  Object script(String script, Object... args) {
    return ((JavascriptExecutor) driver).executeScript(script, args);
  }

  WebElement element(String id) {
    return driver.findElement(By.id(id));
  }

  String text(String id) {
    return element(id).getText();
  }

  void type(String id, String text) {
    WebElement input = element(id);
    input.clear();
    input.sendKeys(text);
  }

  void click(String id) {
    element(id).click();
  }

  /** The number of console event rows with this id. */
  int rowsWithId(String id) {
    return driver.findElements(By.cssSelector("#events tr.event[data-id='" + id + "']")).size();
  }

  void awaitRow(String id) {
    await().atMost(WAIT).until(() -> rowsWithId(id) > 0);
  }

  void awaitText(String id, String fragment) {
    await().atMost(WAIT).untilAsserted(() -> assertThat(text(id)).as("#" + id).contains(fragment));
  }

  byte[] screenshot() {
    return driver.getScreenshotAs(OutputType.BYTES);
  }

  @Override
  public void close() {
    try {
      driver.quit();
    } finally {
      service.stop();
      deleteQuietly(profile);
    }
  }

  private static void deleteQuietly(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
    } catch (IOException e) {
      // a temporary directory; nothing else to do
    }
  }
}
