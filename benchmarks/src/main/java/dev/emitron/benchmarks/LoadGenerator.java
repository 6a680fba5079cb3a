package dev.emitron.benchmarks;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * An end-to-end load generator for an emitron server on this machine: many SSE subscribers on one
 * non-blocking selector thread, one publisher on a keep-alive HTTP/1.1 connection, and one JSON line per
 * run with throughput, publish-to-receive latency, delivery correctness and (given the server's pid) its
 * memory per connection.
 *
 * <pre>{@code
 * java -cp benchmarks/target/benchmarks.jar dev.emitron.benchmarks.LoadGenerator \
 *     --url http://127.0.0.1:3000 --scenario S1 --pid 12345 --runs 3
 * }</pre>
 *
 * <p>How it measures: subscriber {@code i} subscribes to topic {@code i % topics} (live, no replay) and
 * counts as connected when the {@code 200} response's headers have arrived, which emitron sends once the
 * subscription has started. Message {@code k} goes to topic {@code k % topics} with the payload
 * {@code {"seq":s,"t":nanos,"p":"xx…"}}, where {@code s} numbers the messages of that topic from 0 and
 * {@code nanos} is {@link System#nanoTime()} of this JVM just before the request is written; the latency
 * of a delivery is the receiving time minus {@code nanos}. Each subscriber checks every message it gets:
 * a sequence number seen before is <em>duplicated</em>, one lower than the highest seen is
 * <em>reordered</em>, and a sequence number that was published with a {@code 2xx} but never arrived is
 * <em>lost</em>. Deliveries per second are counted from the first publish to the last delivery.
 *
 * <p>It stops by itself: the counts are bounded, and a run gives up after {@code --timeout-ms} (then it
 * reports {@code "timedOut":true} with what it saw). It refuses a URL whose host is not a loopback
 * address. JDK only, so that it measures the server and not a client library.
 */
public final class LoadGenerator {

  private static final String USAGE = """
      Usage: LoadGenerator [options]
        --url URL               the server, loopback only (default http://127.0.0.1:3000)
        --scenario NAME         S1 | S1r | S2 | S3 | idle19k (sets the options below; later ones override)
        --subscribers N         SSE connections (default 1000)
        --topics N              topics; subscriber i is on topic i % N (default 1)
        --messages N            messages published in all, round-robin over the topics (default 2000)
        --payload-size BYTES    approximate size of each message's data (default 100)
        --rate PER_SECOND       publishes per second; 0 = each as soon as the previous one is answered
        --pid PID[,PID..]       the server's pids (nginx: master and workers): report their summed RSS
                                per connection (/proc/PID/status) and CPU time (/proc/PID/stat)
        --warmup-runs N         runs first, printed with "warmup":true, left out of the median (default 0)
        --runs N                runs, each printed; with N > 1 a median line follows (default 1)
        --settle-ms MS          wait after every subscriber is connected (default 500)
        --hold-ms MS            then hold the idle connections this long before publishing, measuring
                                the server's CPU meanwhile (idleCpuCores) (default 0)
        --connect-timeout-ms MS give up connecting after this long (default 30000)
        --drain-ms MS           wait for deliveries after the last publish at most this long (default 10000)
        --timeout-ms MS         a run's total limit (default 180000)
        --max-connecting N      connection attempts in flight at once (default 256)
        --pub-body TEMPLATE     the publish body, {payload} replaced by the JSON payload
                                (default {"data":{payload}}, emitron's; '{payload}' for Nchan)
      """;

  private LoadGenerator() {
  }

  public static void main(String[] args) throws Exception {
    Options options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      System.err.print(USAGE);
      System.exit(2);
      return;
    }
    if (options == null) {
      System.out.print(USAGE);
      return;
    }
    for (int run = 1; run <= options.warmupRuns; run++) {
      Map<String, Object> result = new Run(options, run).execute();
      result.put("warmup", true);
      System.out.println(Json.write(result));
      System.out.flush();
    }
    List<Map<String, Object>> results = new ArrayList<>();
    for (int run = 1; run <= options.runs; run++) {
      Map<String, Object> result = new Run(options, run).execute();
      results.add(result);
      System.out.println(Json.write(result));
      System.out.flush();
    }
    if (options.runs > 1) {
      System.out.println(Json.write(median(results)));
    }
  }

  /** The median of every numeric field over the runs; the other fields are taken from the first run. */
  static Map<String, Object> median(List<Map<String, Object>> results) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<String, Object> entry : results.get(0).entrySet()) {
      String key = entry.getKey();
      if (key.equals("run")) {
        out.put("run", "median");
        out.put("runs", results.size());
      } else if (entry.getValue() instanceof Number) {
        double[] values = results.stream()
            .map(r -> r.get(key))
            .filter(v -> v instanceof Number)
            .mapToDouble(v -> ((Number) v).doubleValue())
            .sorted().toArray();
        double median = values.length % 2 == 1 ? values[values.length / 2]
            : (values[values.length / 2 - 1] + values[values.length / 2]) / 2;
        out.put(key, entry.getValue() instanceof Double ? (Object) median : (Object) Math.round(median));
      } else if (entry.getValue() instanceof Boolean) {
        out.put(key, results.stream().anyMatch(r -> Boolean.TRUE.equals(r.get(key))));
      } else {
        out.put(key, entry.getValue());
      }
    }
    return out;
  }

  /** The command line. */
  static final class Options {
    String url = "http://127.0.0.1:3000";
    String scenario = "custom";
    int subscribers = 1000;
    int topics = 1;
    int messages = 2000;
    int payloadSize = 100;
    double rate;
    long[] pids = {};
    int warmupRuns;
    int runs = 1;
    long settleMs = 500;
    long holdMs;
    long connectTimeoutMs = 30_000;
    long drainMs = 10_000;
    long timeoutMs = 180_000;
    int maxConnecting = 256;
    String pubBody = "{\"data\":{payload}}";

    InetSocketAddress address;
    String hostHeader;
    String basePath;

    /** Returns the options, or {@code null} for {@code --help}. */
    static Options parse(String[] args) {
      Options o = new Options();
      for (int i = 0; i < args.length; i++) {
        String name = args[i];
        if (name.equals("--help") || name.equals("-h")) {
          return null;
        }
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException("missing value after " + name);
        }
        String value = args[++i];
        switch (name) {
          case "--url" -> o.url = value;
          case "--scenario" -> o.scenario(value);
          case "--subscribers" -> o.subscribers = positive(name, value);
          case "--topics" -> o.topics = positive(name, value);
          case "--messages" -> o.messages = positive(name, value);
          case "--payload-size" -> o.payloadSize = positive(name, value);
          case "--rate" -> o.rate = Double.parseDouble(value);
          case "--pid" -> o.pids = pids(name, value);
          case "--warmup-runs" -> o.warmupRuns = Math.toIntExact(nonNegative(name, value));
          case "--runs" -> o.runs = Math.toIntExact(nonNegative(name, value));
          case "--settle-ms" -> o.settleMs = nonNegative(name, value);
          case "--hold-ms" -> o.holdMs = nonNegative(name, value);
          case "--connect-timeout-ms" -> o.connectTimeoutMs = positive(name, value);
          case "--drain-ms" -> o.drainMs = nonNegative(name, value);
          case "--timeout-ms" -> o.timeoutMs = positive(name, value);
          case "--max-connecting" -> o.maxConnecting = positive(name, value);
          case "--pub-body" -> o.pubBody = value;
          default -> throw new IllegalArgumentException("unknown option " + name);
        }
      }
      if (!o.pubBody.contains("{payload}")) {
        throw new IllegalArgumentException("--pub-body must contain {payload}: " + o.pubBody);
      }
      if (o.rate < 0) {
        throw new IllegalArgumentException("--rate must not be negative: " + o.rate);
      }
      if (o.runs + o.warmupRuns == 0) {
        throw new IllegalArgumentException("--runs and --warmup-runs are both 0: nothing to run");
      }
      if (o.topics > o.subscribers) {
        throw new IllegalArgumentException("--topics (" + o.topics + ") must not exceed --subscribers ("
            + o.subscribers + "): every topic needs a subscriber");
      }
      o.resolveUrl();
      return o;
    }

    private void scenario(String name) {
      // The parameters of /work/shared/bench/README.md's table, so that figures compare with Nchan's.
      switch (name) {
        case "S1" -> set(name, 1000, 1, 2000, 0);
        case "S1r" -> set(name, 1000, 1, 1000, 100);
        case "S2" -> set(name, 1000, 1000, 20_000, 0);
        case "S3" -> {
          set(name, 5000, 1, 10, 0);
          settleMs = 2000;
          holdMs = 3000;
          connectTimeoutMs = 60_000;
        }
        case "idle19k" -> {
          // 19,000 streams held idle long enough for two heartbeats each (the default 15 s), then one
          // broadcast that every stream must receive; below this machine's limit of 20,000 open files.
          set(name, 19_000, 1, 1, 0);
          settleMs = 5000;
          holdMs = 35_000;
          connectTimeoutMs = 120_000;
        }
        default -> throw new IllegalArgumentException(
            "unknown scenario " + name + " (S1, S1r, S2, S3, idle19k)");
      }
    }

    private void set(String name, int subscribers, int topics, int messages, double rate) {
      this.scenario = name;
      this.subscribers = subscribers;
      this.topics = topics;
      this.messages = messages;
      this.rate = rate;
      this.payloadSize = 100;
    }

    private void resolveUrl() {
      URI uri;
      try {
        uri = new URI(url);
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException("--url is not a URL: " + url);
      }
      if (!"http".equals(uri.getScheme()) || uri.getHost() == null) {
        throw new IllegalArgumentException("--url must be http://host:port[/path]: " + url);
      }
      InetAddress host;
      try {
        host = InetAddress.getByName(uri.getHost());
      } catch (IOException e) {
        throw new IllegalArgumentException("--url host does not resolve: " + uri.getHost());
      }
      if (!host.isLoopbackAddress()) {
        throw new IllegalArgumentException("--url must be on this machine (a loopback address), not "
            + host.getHostAddress() + ": this tool opens thousands of connections");
      }
      int port = uri.getPort() == -1 ? 80 : uri.getPort();
      address = new InetSocketAddress(host, port);
      hostHeader = uri.getHost() + ":" + port;
      String path = uri.getRawPath() == null ? "" : uri.getRawPath();
      basePath = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }

    private static int positive(String name, String value) {
      int n;
      try {
        n = Integer.parseInt(value);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(name + " is not a number: " + value);
      }
      if (n <= 0) {
        throw new IllegalArgumentException(name + " must be positive: " + value);
      }
      return n;
    }

    private static long[] pids(String name, String value) {
      String[] parts = value.split(",");
      long[] pids = new long[parts.length];
      for (int i = 0; i < parts.length; i++) {
        pids[i] = positive(name, parts[i].trim());
      }
      return pids;
    }

    private static long nonNegative(String name, String value) {
      long n;
      try {
        n = Long.parseLong(value);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(name + " is not a number: " + value);
      }
      if (n < 0) {
        throw new IllegalArgumentException(name + " must not be negative: " + value);
      }
      return n;
    }
  }

  /** One run: connect, settle, publish, drain, report. */
  static final class Run {
    private final Options o;
    private final int number;
    private final String topicPrefix;
    /** Per topic: the sequence numbers published with a 2xx. Written by the publisher, read after join. */
    private final BitSet[] published;
    private final AtomicLong publishErrors = new AtomicLong();
    private volatile long lastPublishNanos;

    Run(Options options, int number) {
      this.o = options;
      this.number = number;
      this.topicPrefix = "bench-" + Long.toString(System.currentTimeMillis(), 36) + "-" + number + "-";
      this.published = new BitSet[options.topics];
      for (int i = 0; i < published.length; i++) {
        published[i] = new BitSet();
      }
    }

    Map<String, Object> execute() throws Exception {
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(o.timeoutMs);
      long rssBefore = rssKb(o.pids);
      Subscribers subscribers = new Subscribers(o, topicPrefix, deadline);
      Thread selectorThread = new Thread(subscribers, "sse-subscribers");
      selectorThread.setDaemon(true);
      long connectStart = System.nanoTime();
      selectorThread.start();

      boolean timedOut = false;
      long connectDeadline = Math.min(deadline, connectStart + TimeUnit.MILLISECONDS.toNanos(o.connectTimeoutMs));
      while (subscribers.connected.get() + subscribers.failed.get() < o.subscribers
          && System.nanoTime() < connectDeadline) {
        Thread.sleep(10);
      }
      long connectMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - connectStart);
      int connected = subscribers.connected.get();
      if (connected < o.subscribers) {
        timedOut = subscribers.failed.get() == 0;
      }
      sleepUntil(Math.min(deadline, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(o.settleMs)));
      long rssAfter = rssKb(o.pids);
      long holdStart = System.nanoTime();
      long holdCpuBefore = cpuTicks(o.pids);
      sleepUntil(Math.min(deadline, holdStart + TimeUnit.MILLISECONDS.toNanos(o.holdMs)));
      long holdCpuAfter = cpuTicks(o.pids);
      double holdSeconds = (System.nanoTime() - holdStart) / 1e9;

      long cpuBefore = cpuTicks(o.pids);
      long publishStart = System.nanoTime();
      subscribers.firstPublishNanos = publishStart;
      long published = 0;
      String publishFailure = null;
      if (connected > 0 && System.nanoTime() < deadline) {
        try {
          published = publish(deadline);
        } catch (IOException e) {
          publishFailure = e.toString();
        }
      }
      long publishEnd = System.nanoTime();

      long expected = expectedDeliveries();
      long drainDeadline = Math.min(deadline, publishEnd + TimeUnit.MILLISECONDS.toNanos(o.drainMs));
      while (subscribers.firstDeliveries.get() < expected && System.nanoTime() < drainDeadline) {
        Thread.sleep(5);
      }
      if (subscribers.firstDeliveries.get() < expected && System.nanoTime() >= deadline) {
        timedOut = true;
      }
      long cpuAfter = cpuTicks(o.pids);
      subscribers.stop();
      selectorThread.join(10_000);

      Map<String, Object> r = new LinkedHashMap<>();
      r.put("run", number);
      r.put("scenario", o.scenario);
      r.put("subscribers", o.subscribers);
      r.put("topics", o.topics);
      r.put("messages", o.messages);
      r.put("payloadSize", o.payloadSize);
      r.put("rate", o.rate);
      r.put("connected", connected);
      r.put("connectFailures", subscribers.failed.get());
      r.put("connectMs", connectMs);
      double publishSeconds = (publishEnd - publishStart) / 1e9;
      r.put("published", published);
      r.put("publishErrors", publishErrors.get());
      r.put("publishesPerSec", publishSeconds > 0 ? round1(published / publishSeconds) : 0.0);
      long deliveries = subscribers.deliveries.get();
      long lastDelivery = subscribers.lastDeliveryNanos;
      double deliverySeconds = (lastDelivery - publishStart) / 1e9;
      r.put("expectedDeliveries", expected);
      r.put("deliveries", deliveries);
      r.put("deliveriesPerSec", deliveries > 0 && deliverySeconds > 0 ? round1(deliveries / deliverySeconds) : 0.0);
      long[] latencies = subscribers.latencies();
      Arrays.sort(latencies);
      r.put("latencyP50Ms", percentileMs(latencies, 50));
      r.put("latencyP90Ms", percentileMs(latencies, 90));
      r.put("latencyP99Ms", percentileMs(latencies, 99));
      r.put("latencyMaxMs", latencies.length == 0 ? 0.0 : round3(latencies[latencies.length - 1] / 1e6));
      long[] check = subscribers.check(this.published);
      r.put("lost", check[0]);
      r.put("duplicated", check[1]);
      r.put("reordered", check[2]);
      r.put("subscribersWithProblems", check[3]);
      r.put("disconnected", subscribers.disconnected.get());
      r.put("protocolErrors", subscribers.protocolErrors.get());
      if (o.pids.length > 0) {
        r.put("rssBeforeKb", rssBefore);
        r.put("rssAfterKb", rssAfter);
        r.put("bytesPerConnection", connected > 0 && rssBefore >= 0 && rssAfter >= 0
            ? Math.round((rssAfter - rssBefore) * 1024.0 / connected) : -1);
        if (o.holdMs > 0 && holdCpuBefore >= 0 && holdCpuAfter >= 0) {
          // The server's CPU while every stream is held idle (heartbeats only), in cores.
          r.put("idleCpuCores", round3((holdCpuAfter - holdCpuBefore) / (double) CLOCK_TICKS_PER_SECOND / holdSeconds));
        }
        if (cpuBefore >= 0 && cpuAfter >= 0) {
          double cpuSeconds = (cpuAfter - cpuBefore) / (double) CLOCK_TICKS_PER_SECOND;
          r.put("serverCpuSec", round3(cpuSeconds));
          r.put("serverCpuMicrosPerDelivery", deliveries > 0 ? round3(cpuSeconds * 1e6 / deliveries) : 0.0);
        }
      }
      r.put("timedOut", timedOut);
      if (publishFailure != null) {
        r.put("publishFailure", publishFailure);
      }
      if (subscribers.firstError != null) {
        r.put("firstError", subscribers.firstError);
      }
      return r;
    }

    private long expectedDeliveries() {
      long total = 0;
      for (int topic = 0; topic < o.topics; topic++) {
        // Subscribers i with i % topics == topic.
        int onTopic = o.subscribers / o.topics + (topic < o.subscribers % o.topics ? 1 : 0);
        total += (long) onTopic * published[topic].cardinality();
      }
      return total;
    }

    /** Publishes every message in turn on one keep-alive connection; returns how many got a 2xx. */
    private long publish(long deadline) throws IOException {
      int[] nextSeq = new int[o.topics];
      String padding = "x".repeat(Math.max(0, o.payloadSize - 40));
      int at = o.pubBody.indexOf("{payload}");
      String before = o.pubBody.substring(0, at);
      String after = o.pubBody.substring(at + "{payload}".length());
      long ok = 0;
      long start = System.nanoTime();
      double interval = o.rate > 0 ? 1e9 / o.rate : 0;
      try (Publisher publisher = new Publisher(o)) {
        for (int k = 0; k < o.messages; k++) {
          if (interval > 0) {
            sleepUntil(start + (long) (k * interval));
          }
          if (System.nanoTime() >= deadline) {
            break;
          }
          int topic = k % o.topics;
          int seq = nextSeq[topic]++;
          long sent = System.nanoTime();
          String body = before + "{\"seq\":" + seq + ",\"t\":" + sent + ",\"p\":\"" + padding + "\"}" + after;
          int status = publisher.post(o.basePath + "/pub/" + topicPrefix + topic, body);
          lastPublishNanos = System.nanoTime();
          if (status >= 200 && status < 300) {
            published[topic].set(seq);
            ok++;
          } else {
            publishErrors.incrementAndGet();
          }
        }
      }
      return ok;
    }
  }

  /** The subscribers, all on the one thread that runs {@link #run()}. */
  static final class Subscribers implements Runnable {
    final AtomicInteger connected = new AtomicInteger();
    final AtomicInteger failed = new AtomicInteger();
    final AtomicInteger disconnected = new AtomicInteger();
    final AtomicInteger protocolErrors = new AtomicInteger();
    final AtomicLong deliveries = new AtomicLong();
    /** Deliveries of a sequence number the subscriber did not have yet: what the drain waits for. */
    final AtomicLong firstDeliveries = new AtomicLong();
    volatile long lastDeliveryNanos;
    volatile long firstPublishNanos;
    volatile String firstError;
    private volatile boolean stopping;

    private final Options o;
    private final String topicPrefix;
    private final long deadline;
    private final Selector selector;
    private final Connection[] connections;
    private long[] latencies = new long[1024];
    private int latencyCount;

    Subscribers(Options o, String topicPrefix, long deadline) throws IOException {
      this.o = o;
      this.topicPrefix = topicPrefix;
      this.deadline = deadline;
      this.selector = Selector.open();
      this.connections = new Connection[o.subscribers];
    }

    void stop() {
      stopping = true;
      selector.wakeup();
    }

    /** The latencies in nanoseconds; call after the thread has ended. */
    long[] latencies() {
      return Arrays.copyOf(latencies, latencyCount);
    }

    /** Returns lost, duplicated, reordered, subscribers with a problem; call after the thread has ended. */
    long[] check(BitSet[] published) {
      long lost = 0;
      long duplicated = 0;
      long reordered = 0;
      long withProblems = 0;
      for (Connection c : connections) {
        if (c == null) {
          continue;
        }
        BitSet missing = (BitSet) published[c.topic].clone();
        missing.andNot(c.seen);
        int subscriberLost = missing.cardinality();
        lost += subscriberLost;
        duplicated += c.duplicated;
        reordered += c.reordered;
        if (subscriberLost > 0 || c.duplicated > 0 || c.reordered > 0) {
          withProblems++;
        }
      }
      return new long[] {lost, duplicated, reordered, withProblems};
    }

    @Override
    public void run() {
      ByteBuffer buffer = ByteBuffer.allocateDirect(256 * 1024);
      int opened = 0;
      int inFlight = 0;
      try {
        while (!stopping && System.nanoTime() < deadline) {
          while (opened < connections.length && inFlight < o.maxConnecting) {
            Connection c = new Connection(opened, opened % o.topics);
            connections[opened++] = c;
            if (open(c)) {
              inFlight++;
            }
          }
          selector.select(100);
          for (SelectionKey key : selector.selectedKeys()) {
            Connection c = (Connection) key.attachment();
            boolean wasConnecting = !c.headersDone && !c.dead;
            try {
              if (key.isConnectable() && c.channel.finishConnect()) {
                key.interestOps(SelectionKey.OP_WRITE);
              }
              if (key.isValid() && key.isWritable()) {
                c.channel.write(c.request);
                if (!c.request.hasRemaining()) {
                  key.interestOps(SelectionKey.OP_READ);
                }
              }
              if (key.isValid() && key.isReadable()) {
                read(c, buffer);
              }
            } catch (IOException | RuntimeException e) {
              fail(c, e.toString());
            }
            if (wasConnecting && (c.headersDone || c.dead)) {
              inFlight--;
            }
          }
          selector.selectedKeys().clear();
        }
      } catch (IOException | ClosedSelectorException e) {
        error("selector: " + e);
      } finally {
        for (Connection c : connections) {
          if (c != null && c.channel != null) {
            try {
              c.channel.close();
            } catch (IOException ignored) {
              // Closing anyway.
            }
          }
        }
        try {
          selector.close();
        } catch (IOException ignored) {
          // Closing anyway.
        }
      }
    }

    private boolean open(Connection c) {
      String request = "GET " + o.basePath + "/sub/" + topicPrefix + c.topic + " HTTP/1.1\r\n"
          + "Host: " + o.hostHeader + "\r\nAccept: text/event-stream\r\n\r\n";
      c.request = ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII));
      try {
        c.channel = SocketChannel.open();
        c.channel.configureBlocking(false);
        c.channel.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
        c.channel.register(selector, c.channel.connect(o.address) ? SelectionKey.OP_WRITE : SelectionKey.OP_CONNECT, c);
        return true;
      } catch (IOException e) {
        failed.incrementAndGet();
        c.dead = true;
        error("connect: " + e);
        return false;
      }
    }

    private void read(Connection c, ByteBuffer buffer) throws IOException {
      while (true) {
        buffer.clear();
        int n = c.channel.read(buffer);
        if (n < 0) {
          fail(c, "connection closed by the server");
          return;
        }
        if (n == 0) {
          return;
        }
        buffer.flip();
        long now = System.nanoTime();
        while (buffer.hasRemaining() && !c.dead) {
          c.feed(buffer, now, this);
        }
        if (n < buffer.capacity()) {
          return;
        }
      }
    }

    void fail(Connection c, String why) {
      if (c.dead) {
        return;
      }
      c.dead = true;
      if (c.headersDone) {
        if (!stopping) {
          disconnected.incrementAndGet();
          error("subscriber " + c.index + ": " + why);
        }
      } else {
        failed.incrementAndGet();
        error("subscriber " + c.index + " connecting: " + why);
      }
      try {
        c.channel.close();
      } catch (IOException ignored) {
        // Closing anyway.
      }
    }

    void protocolError(Connection c, String why) {
      protocolErrors.incrementAndGet();
      fail(c, "protocol error: " + why);
    }

    void headersDone(Connection c, int status) {
      if (status != 200) {
        protocolError(c, "status " + status);
        return;
      }
      connected.incrementAndGet();
    }

    void event(Connection c, byte[] data, int length, long now) {
      long seq = JsonNumbers.find(data, length, SEQ);
      long sent = JsonNumbers.find(data, length, SENT);
      if (seq < 0 || sent < 0) {
        return; // Not one of ours (an event the server added); the counts check ours only.
      }
      if (c.seen.get((int) seq)) {
        c.duplicated++;
      } else {
        c.seen.set((int) seq);
        firstDeliveries.incrementAndGet();
        if (seq < c.highest) {
          c.reordered++;
        }
        c.highest = Math.max(c.highest, seq);
      }
      if (latencyCount == latencies.length) {
        latencies = Arrays.copyOf(latencies, latencies.length * 2);
      }
      latencies[latencyCount++] = now - sent;
      lastDeliveryNanos = now;
      deliveries.incrementAndGet();
    }

    private void error(String message) {
      if (firstError == null) {
        firstError = message;
      }
    }
  }

  private static final byte[] SEQ = "\"seq\":".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] SENT = "\"t\":".getBytes(StandardCharsets.US_ASCII);

  /**
   * One SSE subscriber: an incremental parser of an HTTP/1.1 response (status line, headers, then a
   * chunked or plain body) feeding an incremental SSE parser (lines ended by CR, LF or CRLF; a blank line
   * dispatches the event; {@code data} lines joined by LF; comments and other fields ignored). Bytes may
   * arrive split anywhere, including inside a CRLF or a chunk-size line.
   */
  static final class Connection {
    private static final int HEADERS = 0;
    private static final int CHUNK_SIZE = 1;
    private static final int CHUNK_DATA = 2;
    private static final int CHUNK_CRLF = 3;
    private static final int PLAIN_BODY = 4;
    private static final int DONE = 5;

    final int index;
    final int topic;
    SocketChannel channel;
    ByteBuffer request;
    boolean headersDone;
    boolean dead;
    final BitSet seen = new BitSet();
    long highest = -1;
    long duplicated;
    long reordered;

    private int state = HEADERS;
    private final StringBuilder head = new StringBuilder();
    private long chunkRemaining;
    private final StringBuilder chunkLine = new StringBuilder();
    private int chunkCrlfSeen;
    // SSE
    private byte[] line = new byte[256];
    private int lineLength;
    private boolean lastWasCr;
    private byte[] data = new byte[256];
    private int dataLength;
    private boolean hasData;

    Connection(int index, int topic) {
      this.index = index;
      this.topic = topic;
    }

    /** Consumes some of {@code in} (at least one byte unless the stream is done). */
    void feed(ByteBuffer in, long now, Subscribers owner) {
      switch (state) {
        case HEADERS -> {
          while (in.hasRemaining()) {
            head.append((char) (in.get() & 0xff));
            int len = head.length();
            if (len >= 4 && head.charAt(len - 1) == '\n' && head.charAt(len - 2) == '\r'
                && head.charAt(len - 3) == '\n' && head.charAt(len - 4) == '\r') {
              parseHead(owner);
              return;
            }
            if (len > 64 * 1024) {
              owner.protocolError(this, "response headers over 64 KiB");
              return;
            }
          }
        }
        case CHUNK_SIZE -> {
          while (in.hasRemaining()) {
            char ch = (char) (in.get() & 0xff);
            if (ch == '\n') {
              String size = chunkLine.toString().trim();
              int ext = size.indexOf(';');
              if (ext >= 0) {
                size = size.substring(0, ext).trim();
              }
              chunkLine.setLength(0);
              try {
                chunkRemaining = Long.parseLong(size, 16);
              } catch (NumberFormatException e) {
                owner.protocolError(this, "bad chunk size '" + size + "'");
                return;
              }
              if (chunkRemaining == 0) {
                state = DONE;
                owner.fail(this, "the response ended");
              } else {
                state = CHUNK_DATA;
              }
              return;
            }
            chunkLine.append(ch);
            if (chunkLine.length() > 1024) {
              owner.protocolError(this, "chunk size line over 1 KiB");
              return;
            }
          }
        }
        case CHUNK_DATA -> {
          int n = (int) Math.min(chunkRemaining, in.remaining());
          sse(in, n, now, owner);
          chunkRemaining -= n;
          if (chunkRemaining == 0) {
            state = CHUNK_CRLF;
            chunkCrlfSeen = 0;
          }
        }
        case CHUNK_CRLF -> {
          while (in.hasRemaining() && chunkCrlfSeen < 2) {
            byte b = in.get();
            if ((chunkCrlfSeen == 0 && b != '\r') || (chunkCrlfSeen == 1 && b != '\n')) {
              owner.protocolError(this, "no CRLF after a chunk");
              return;
            }
            chunkCrlfSeen++;
          }
          if (chunkCrlfSeen == 2) {
            state = CHUNK_SIZE;
          }
        }
        case PLAIN_BODY -> sse(in, in.remaining(), now, owner);
        default -> in.position(in.limit());
      }
    }

    private void parseHead(Subscribers owner) {
      String[] lines = head.toString().split("\r\n");
      head.setLength(0);
      String[] statusLine = lines[0].split(" ", 3);
      int status;
      try {
        status = statusLine.length >= 2 && statusLine[0].startsWith("HTTP/1.") ? Integer.parseInt(statusLine[1]) : -1;
      } catch (NumberFormatException e) {
        status = -1;
      }
      boolean chunked = false;
      boolean eventStream = false;
      for (int i = 1; i < lines.length; i++) {
        String h = lines[i].toLowerCase(Locale.ROOT);
        if (h.startsWith("transfer-encoding:") && h.contains("chunked")) {
          chunked = true;
        } else if (h.startsWith("content-type:") && h.contains("text/event-stream")) {
          eventStream = true;
        }
      }
      headersDone = true;
      state = chunked ? CHUNK_SIZE : PLAIN_BODY;
      owner.headersDone(this, status);
      if (status == 200 && !eventStream) {
        owner.protocolError(this, "200 without Content-Type text/event-stream");
      }
    }

    /** The SSE parser: consumes {@code n} bytes of body. */
    private void sse(ByteBuffer in, int n, long now, Subscribers owner) {
      for (int i = 0; i < n; i++) {
        byte b = in.get();
        if (b == '\n' && lastWasCr) {
          lastWasCr = false; // The LF of a CRLF: the line already ended at the CR.
          continue;
        }
        lastWasCr = b == '\r';
        if (b == '\r' || b == '\n') {
          line(now, owner);
          if (dead) {
            in.position(in.limit());
            return;
          }
          lineLength = 0;
        } else {
          if (lineLength == line.length) {
            if (line.length >= 16 * 1024 * 1024) {
              owner.protocolError(this, "an SSE line over 16 MiB");
              in.position(in.limit());
              return;
            }
            line = Arrays.copyOf(line, line.length * 2);
          }
          line[lineLength++] = b;
        }
      }
    }

    private void line(long now, Subscribers owner) {
      if (lineLength == 0) {
        if (hasData) {
          owner.event(this, data, dataLength, now);
        }
        hasData = false;
        dataLength = 0;
        return;
      }
      if (line[0] == ':') {
        return; // A comment.
      }
      int colon = 0;
      while (colon < lineLength && line[colon] != ':') {
        colon++;
      }
      int valueStart = colon < lineLength ? colon + 1 : lineLength;
      if (valueStart < lineLength && line[valueStart] == ' ') {
        valueStart++;
      }
      if (colon == 4 && line[0] == 'd' && line[1] == 'a' && line[2] == 't' && line[3] == 'a') {
        int valueLength = lineLength - valueStart;
        int needed = dataLength + (hasData ? 1 : 0) + valueLength;
        if (needed > data.length) {
          data = Arrays.copyOf(data, Math.max(needed, data.length * 2));
        }
        if (hasData) {
          data[dataLength++] = '\n';
        }
        System.arraycopy(line, valueStart, data, dataLength, valueLength);
        dataLength += valueLength;
        hasData = true;
      }
      // id, event, retry and unknown fields do not matter to the counts.
    }
  }

  /** Reads a non-negative integer that follows a key in JSON text, without building a string. */
  static final class JsonNumbers {
    private JsonNumbers() {
    }

    /** Returns the number after the first {@code key} in {@code text}, or -1. */
    static long find(byte[] text, int length, byte[] key) {
      outer:
      for (int i = 0; i + key.length <= length; i++) {
        for (int j = 0; j < key.length; j++) {
          if (text[i + j] != key[j]) {
            continue outer;
          }
        }
        int p = i + key.length;
        while (p < length && text[p] == ' ') {
          p++;
        }
        long value = 0;
        int digits = 0;
        while (p < length && text[p] >= '0' && text[p] <= '9' && digits < 19) {
          value = value * 10 + (text[p++] - '0');
          digits++;
        }
        return digits == 0 ? -1 : value;
      }
      return -1;
    }
  }

  /** A blocking HTTP/1.1 client on one keep-alive connection, reopened if the server closes it. */
  static final class Publisher implements AutoCloseable {
    private final Options o;
    private SocketChannel channel;
    private final ByteBuffer in = ByteBuffer.allocate(64 * 1024);

    Publisher(Options o) {
      this.o = o;
    }

    /** Sends a POST and reads the whole response; returns its status. */
    int post(String path, String body) throws IOException {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      String head = "POST " + path + " HTTP/1.1\r\nHost: " + o.hostHeader
          + "\r\nContent-Type: application/json\r\nContent-Length: " + bytes.length + "\r\n\r\n";
      byte[] headBytes = head.getBytes(StandardCharsets.US_ASCII);
      ByteBuffer request = ByteBuffer.allocate(headBytes.length + bytes.length).put(headBytes).put(bytes).flip();
      if (channel == null || !channel.isOpen()) {
        channel = SocketChannel.open(o.address);
        channel.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
        in.clear().flip();
      }
      while (request.hasRemaining()) {
        channel.write(request);
      }
      return readResponse();
    }

    private int readResponse() throws IOException {
      String headText = readLinesUntilBlank();
      String[] lines = headText.split("\r\n");
      String[] statusLine = lines[0].split(" ", 3);
      int status = Integer.parseInt(statusLine[1]);
      long contentLength = -1;
      boolean chunked = false;
      boolean close = false;
      for (int i = 1; i < lines.length; i++) {
        String h = lines[i].toLowerCase(Locale.ROOT);
        if (h.startsWith("content-length:")) {
          contentLength = Long.parseLong(h.substring(15).trim());
        } else if (h.startsWith("transfer-encoding:") && h.contains("chunked")) {
          chunked = true;
        } else if (h.startsWith("connection:") && h.contains("close")) {
          close = true;
        }
      }
      if (chunked) {
        while (true) {
          String sizeLine = readLine();
          int ext = sizeLine.indexOf(';');
          long size = Long.parseLong((ext >= 0 ? sizeLine.substring(0, ext) : sizeLine).trim(), 16);
          if (size == 0) {
            while (!readLine().isEmpty()) {
              // Trailers.
            }
            break;
          }
          skip(size);
          readLine();
        }
      } else if (contentLength >= 0) {
        skip(contentLength);
      } else {
        close = true; // Body until close: not reusable.
      }
      if (close) {
        channel.close();
      }
      return status;
    }

    private String readLinesUntilBlank() throws IOException {
      StringBuilder head = new StringBuilder();
      while (true) {
        String line = readLine();
        if (line.isEmpty()) {
          return head.toString();
        }
        if (head.length() > 0) {
          head.append("\r\n");
        }
        head.append(line);
      }
    }

    private String readLine() throws IOException {
      StringBuilder line = new StringBuilder();
      while (true) {
        byte b = next();
        if (b == '\n') {
          int len = line.length();
          if (len > 0 && line.charAt(len - 1) == '\r') {
            line.setLength(len - 1);
          }
          return line.toString();
        }
        line.append((char) (b & 0xff));
      }
    }

    private void skip(long n) throws IOException {
      for (long i = 0; i < n; i++) {
        next();
      }
    }

    private byte next() throws IOException {
      if (!in.hasRemaining()) {
        in.clear();
        int n = channel.read(in);
        in.flip();
        if (n < 0) {
          throw new IOException("the server closed the publishing connection");
        }
      }
      return in.get();
    }

    @Override
    public void close() throws IOException {
      if (channel != null) {
        channel.close();
      }
    }
  }

  /** The summed resident set in KiB of the pids, from /proc/PID/status; -1 without pids or on failure. */
  static long rssKb(long[] pids) {
    if (pids.length == 0) {
      return -1;
    }
    long total = 0;
    for (long pid : pids) {
      long rss = -1;
      try {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
          if (line.startsWith("VmRSS:")) {
            rss = Long.parseLong(line.substring(6).replace("kB", "").trim());
          }
        }
      } catch (IOException | NumberFormatException e) {
        return -1;
      }
      if (rss < 0) {
        return -1;
      }
      total += rss;
    }
    return total;
  }

  /** Linux's USER_HZ, the unit of the CPU times in /proc/PID/stat; 100 on every common build. */
  static final int CLOCK_TICKS_PER_SECOND = 100;

  /**
   * The summed user and system CPU time of the pids in clock ticks, from fields 14 and 15 of
   * /proc/PID/stat; -1 without pids or on failure.
   */
  static long cpuTicks(long[] pids) {
    if (pids.length == 0) {
      return -1;
    }
    long total = 0;
    for (long pid : pids) {
      try {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        // The command name (field 2) may hold spaces: count the fields after its closing parenthesis.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        total += Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
      } catch (IOException | RuntimeException e) {
        return -1;
      }
    }
    return total;
  }

  static void sleepUntil(long nanos) {
    long left;
    while ((left = nanos - System.nanoTime()) > 0) {
      LockSupport.parkNanos(left);
    }
  }

  static double percentileMs(long[] sorted, int percentile) {
    if (sorted.length == 0) {
      return 0.0;
    }
    int index = (int) Math.ceil(percentile / 100.0 * sorted.length) - 1;
    return round3(sorted[Math.max(0, Math.min(sorted.length - 1, index))] / 1e6);
  }

  static double round1(double v) {
    return Math.round(v * 10) / 10.0;
  }

  static double round3(double v) {
    return Math.round(v * 1000) / 1000.0;
  }

  /** Writes a flat map of numbers, booleans and strings as one line of JSON. */
  static final class Json {
    private Json() {
    }

    static String write(Map<String, Object> map) {
      StringBuilder out = new StringBuilder("{");
      for (Map.Entry<String, Object> e : map.entrySet()) {
        if (out.length() > 1) {
          out.append(',');
        }
        string(out, e.getKey());
        out.append(':');
        Object v = e.getValue();
        if (v instanceof Number || v instanceof Boolean) {
          out.append(v);
        } else {
          string(out, String.valueOf(v));
        }
      }
      return out.append('}').toString();
    }

    private static void string(StringBuilder out, String s) {
      out.append('"');
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        if (c == '"' || c == '\\') {
          out.append('\\').append(c);
        } else if (c < 0x20) {
          out.append(String.format("\\u%04x", (int) c));
        } else {
          out.append(c);
        }
      }
      out.append('"');
    }
  }
}
