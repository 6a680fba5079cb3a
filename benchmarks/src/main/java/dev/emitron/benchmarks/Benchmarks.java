package dev.emitron.benchmarks;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The main class of {@code benchmarks.jar}: JMH's own command line ({@code -h} lists it), with
 * {@link RedisPublishBenchmark} left out when no Redis answers on 127.0.0.1:6379, so that a run without
 * Redis measures the rest instead of failing.
 *
 * <p>The end-to-end load generator is another main class: {@link LoadGenerator}.
 */
public final class Benchmarks {

  private Benchmarks() {
  }

  public static void main(String[] args) throws Exception {
    List<String> jmhArgs = new ArrayList<>(Arrays.asList(args));
    if (!redisAnswers()) {
      System.err.println("# No Redis on 127.0.0.1:6379: RedisPublishBenchmark is skipped");
      jmhArgs.add("-e");
      jmhArgs.add("RedisPublishBenchmark");
    }
    org.openjdk.jmh.Main.main(jmhArgs.toArray(String[]::new));
  }

  private static boolean redisAnswers() {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", 6379), 500);
      socket.setSoTimeout(1000);
      socket.getOutputStream().write("PING\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      byte[] reply = new byte[5];
      int n = socket.getInputStream().readNBytes(reply, 0, 5);
      return n == 5 && new String(reply, java.nio.charset.StandardCharsets.US_ASCII).equals("+PONG");
    } catch (IOException e) {
      return false;
    }
  }
}
