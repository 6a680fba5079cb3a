package dev.emitron.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.SlotHash;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real Redis Cluster for tests: starts its own {@code redis-server} processes from the {@code PATH} on
 * free loopback ports ({@code cluster-enabled yes}, no persistence, {@code cluster-node-timeout} 1000 ms
 * so that a replica takes over within seconds), joins them with {@code redis-cli --cluster create}, and
 * tears every process and its directory down after the class's last test.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final RedisClusterExtension cluster = new RedisClusterExtension(3, 0);
 *
 * @Test
 * void works() {
 *   Emitron emitron = Emitron.builder().transport(RedisTransport.factory(cluster.uri())).build();
 * }
 * }</pre>
 *
 * <p>Without {@code redis-server} and {@code redis-cli} on the {@code PATH} the tests are skipped with a
 * message, or fail when {@link RedisServerExtension#redisRequired()}. Not thread-safe: drive it from the
 * test thread.
 */
public final class RedisClusterExtension
    implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, TestedRedis {

  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

  /** One redis-server of the cluster. */
  public static final class Node {
    private final int port;
    private /* @Nullable */ Process process;

    Node(int port) {
      this.port = port;
    }

    /** The node's port. */
    public int port() {
      return port;
    }

    /** Whether the process is alive. */
    public boolean isRunning() {
      return process != null && process.isAlive();
    }
  }

  private final int masters;
  private final int replicas;
  private /* @Nullable */ Path directory;
  private /* @Nullable */ Path server;
  private /* @Nullable */ Path cli;
  private final List<Node> nodes = new ArrayList<>();
  private final Map<Integer, RedisClient> clients = new LinkedHashMap<>();
  private final Map<Integer, StatefulRedisConnection<String, String>> connections = new LinkedHashMap<>();
  private /* @Nullable */ Thread reaper;
  private /* @Nullable */ String skipReason;

  /**
   * A cluster of {@code masters} masters with {@code replicas} replicas each.
   *
   * @throws IllegalArgumentException if fewer than three masters (redis-cli's minimum)
   */
  public RedisClusterExtension(int masters, int replicas) {
    if (masters < 3 || replicas < 0) {
      throw new IllegalArgumentException("a cluster needs three masters or more: " + masters + ", " + replicas);
    }
    this.masters = masters;
    this.replicas = replicas;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    Optional<Path> found = RedisServerExtension.findRedisServer();
    Optional<Path> foundCli = found.map(path -> path.resolveSibling("redis-cli")).filter(Files::isExecutable);
    skipReason = null;
    if (found.isEmpty() || foundCli.isEmpty()) {
      String message = "No redis-server and redis-cli on the PATH, so the Redis Cluster tests of "
          + context.getDisplayName() + " cannot run (install Redis 7: apt-get install redis-server)";
      if (RedisServerExtension.redisRequired()) {
        throw new IllegalStateException(message + "; failing because emitron.requireRedis / "
            + "EMITRON_REQUIRE_REDIS is true");
      }
      skipReason = message + "; skipping. Set EMITRON_REQUIRE_REDIS=true to fail instead.";
      System.err.println("[emitron] " + skipReason);
      return;
    }
    server = found.get();
    cli = foundCli.get();
    reaper = new Thread(this::destroyAll, "redis-cluster-reaper");
    Runtime.getRuntime().addShutdownHook(reaper);
    for (int attempt = 1; ; attempt++) {
      directory = Files.createTempDirectory("emitron-redis-cluster-");
      try {
        create();
        return;
      } catch (IllegalStateException e) {
        destroyAll();
        deleteDirectory();
        if (attempt == 3) {
          throw e; // a free port may have been taken meanwhile; give up after three tries
        }
      }
    }
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    if (skipReason != null) {
      Assumptions.abort(skipReason);
    }
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    for (StatefulRedisConnection<String, String> connection : connections.values()) {
      connection.close();
    }
    connections.clear();
    for (RedisClient client : clients.values()) {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
    clients.clear();
    for (Node node : nodes) {
      stop(node);
    }
    nodes.clear();
    if (reaper != null) {
      try {
        Runtime.getRuntime().removeShutdownHook(reaper);
      } catch (IllegalStateException shuttingDown) {
        // the hook runs anyway
      }
      reaper = null;
    }
    deleteDirectory();
  }

  private void create() throws IOException {
    nodes.clear();
    Set<Integer> ports = new LinkedHashSet<>();
    while (ports.size() < masters * (1 + replicas)) {
      int port = freePort();
      if (port < 55_535) { // the cluster bus listens on port + 10000
        ports.add(port);
      }
    }
    for (int port : ports) {
      Node node = new Node(port);
      nodes.add(node);
      launch(node);
    }
    for (Node node : nodes) {
      awaitUntil("redis-server on port " + node.port + " answers", () -> answers(node));
    }
    List<String> command = new ArrayList<>(List.of(cli.toString(), "--cluster", "create"));
    for (Node node : nodes) {
      command.add("127.0.0.1:" + node.port);
    }
    command.addAll(List.of("--cluster-replicas", Integer.toString(replicas), "--cluster-yes"));
    run(command);
    awaitHealthy();
  }

  private void launch(Node node) {
    File log = directory.resolve("redis-" + node.port + ".log").toFile();
    List<String> command = List.of(server.toString(),
        "--port", Integer.toString(node.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
        "--dir", directory.toString(), "--daemonize", "no", "--protected-mode", "no",
        "--cluster-enabled", "yes", "--cluster-config-file", "nodes-" + node.port + ".conf",
        "--cluster-node-timeout", "1000", "--cluster-replica-validity-factor", "0");
    try {
      node.process = new ProcessBuilder(command)
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log))
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + command, e);
    }
  }

  /**
   * Waits until every running node sees the cluster as {@code ok}, agrees on who owns each slot, and
   * every replica is in sync with its master.
   */
  public void awaitHealthy() {
    awaitUntil("the cluster is healthy", () -> {
      String owners = null;
      for (Node node : running()) {
        RedisCommands<String, String> commands = node(node.port);
        if (!commands.clusterInfo().contains("cluster_state:ok")) {
          return false;
        }
        String view = slotOwners(commands.clusterNodes());
        if (owners != null && !owners.equals(view)) {
          return false;
        }
        owners = view;
        String replication = commands.info("replication");
        if (replication.contains("role:slave") && !replication.contains("master_link_status:up")) {
          return false;
        }
      }
      return true;
    });
  }

  /** The URL of the cluster: {@code redis-cluster://127.0.0.1:<port>,...} naming every master. */
  @Override
  public String uri() {
    StringBuilder uri = new StringBuilder("redis-cluster://");
    for (int i = 0; i < Math.min(masters, nodes.size()); i++) {
      uri.append(i == 0 ? "" : ",").append("127.0.0.1:").append(nodes.get(i).port);
    }
    return uri.toString();
  }

  /** Every node, masters first as created. */
  public List<Node> nodes() {
    return List.copyOf(nodes);
  }

  /** The nodes whose process is alive. */
  public List<Node> running() {
    return nodes.stream().filter(Node::isRunning).toList();
  }

  /** The port of the master owning {@code slot}, as a running node sees it. */
  public int ownerOf(int slot) {
    String[] parts = owners(nodesView()).get(slot).split(":");
    return Integer.parseInt(parts[1]);
  }

  /** The port of the master owning the slot of {@code keyOrChannel}. */
  public int ownerOfKey(String keyOrChannel) {
    return ownerOf(SlotHash.getSlot(keyOrChannel));
  }

  /** The ports of the masters that own slots now. */
  public List<Integer> masterPorts() {
    return owners(nodesView()).values().stream().distinct()
        .map(owner -> Integer.parseInt(owner.split(":")[1])).sorted().toList();
  }

  /** The node id of the node on {@code port}. */
  public String nodeId(int port) {
    return node(port).clusterMyId();
  }

  /** The lowest slot the master on {@code port} owns. */
  public int firstSlotOf(int port) {
    for (Map.Entry<Integer, String> owner : owners(nodesView()).entrySet()) {
      if (owner.getValue().endsWith(":" + port)) {
        return owner.getKey();
      }
    }
    throw new IllegalStateException("node " + port + " owns no slot");
  }

  /**
   * Moves {@code slots} slots from the master on {@code from} to the master on {@code to} with
   * {@code redis-cli --cluster reshard} (the lowest slots of {@code from}, with their keys).
   */
  public void reshard(int from, int to, int slots) {
    run(List.of(cli.toString(), "--cluster", "reshard", "127.0.0.1:" + to,
        "--cluster-from", nodeId(from), "--cluster-to", nodeId(to),
        "--cluster-slots", Integer.toString(slots), "--cluster-yes", "--cluster-pipeline", "100"));
  }

  /** Kills the node on {@code port} (SIGKILL), as a crash would. */
  public void kill(int port) {
    for (Node node : nodes) {
      if (node.port == port && node.process != null) {
        node.process.destroyForcibly();
        await(node.process);
        node.process = null;
        StatefulRedisConnection<String, String> connection = connections.remove(port);
        if (connection != null) {
          connection.close();
        }
      }
    }
  }

  /** Synchronous commands on a plain connection to the node on {@code port}. */
  public RedisCommands<String, String> node(int port) {
    StatefulRedisConnection<String, String> connection = connections.get(port);
    if (connection == null || !connection.isOpen()) {
      RedisURI uri = RedisURI.create("redis://127.0.0.1:" + port);
      uri.setTimeout(Duration.ofSeconds(5));
      RedisClient client = clients.computeIfAbsent(port, p -> RedisClient.create(uri));
      client.setOptions(ClientOptions.builder().autoReconnect(true).build());
      connection = client.connect();
      connections.put(port, connection);
    }
    return connection.sync();
  }

  /** Commands on the master owning {@code key}. */
  private RedisCommands<String, String> owner(String key) {
    return node(ownerOfKey(key));
  }

  @Override
  public long xlen(String key) {
    return owner(key).xlen(key);
  }

  @Override
  public long exists(String key) {
    return owner(key).exists(key);
  }

  @Override
  public List<StreamMessage<String, String>> xrange(String key) {
    return owner(key).xrange(key, Range.create("-", "+"));
  }

  @Override
  public void xadd(String key, String id, Map<String, String> body) {
    owner(key).xadd(key, new XAddArgs().id(id), body);
  }

  @Override
  public long subscribers(String channel) {
    long total = 0;
    for (int port : masterPorts()) {
      total += node(port).pubsubShardNumsub(channel).getOrDefault(channel, 0L);
    }
    return total;
  }

  /** {@code PUBSUB SHARDNUMSUB} of {@code channel} on the node on {@code port} only. */
  public long subscribersOn(int port, String channel) {
    return node(port).pubsubShardNumsub(channel).getOrDefault(channel, 0L);
  }

  /** {@code PUBSUB SHARDCHANNELS} of the node on {@code port}. */
  public List<String> channelsOn(int port) {
    return node(port).pubsubShardChannels();
  }

  @Override
  public List<String> channels() {
    List<String> all = new ArrayList<>();
    for (int port : masterPorts()) {
      all.addAll(node(port).pubsubShardChannels());
    }
    return all;
  }

  @Override
  public long patterns() {
    long total = 0;
    for (Node node : running()) {
      total += node(node.port).pubsubNumpat();
    }
    return total;
  }

  @Override
  public void flushAll() {
    for (int port : masterPorts()) {
      node(port).flushall();
    }
  }

  @Override
  public void scriptFlush() {
    for (Node node : running()) {
      node(node.port).scriptFlush();
    }
  }

  private String nodesView() {
    for (Node node : running()) {
      try {
        return node(node.port).clusterNodes();
      } catch (RuntimeException e) {
        // try the next one
      }
    }
    throw new IllegalStateException("no node of the cluster answers");
  }

  /** Slot to "id:port" of its master, from CLUSTER NODES. */
  private static Map<Integer, String> owners(String clusterNodes) {
    Map<Integer, String> owners = new java.util.TreeMap<>();
    for (String line : clusterNodes.split("\n")) {
      String[] fields = line.trim().split(" ");
      if (fields.length < 8 || !fields[2].contains("master") || fields[2].contains("fail")) {
        continue;
      }
      String address = fields[1];
      String port = address.substring(address.indexOf(':') + 1, address.indexOf('@'));
      for (int i = 8; i < fields.length; i++) {
        String range = fields[i];
        if (range.startsWith("[")) {
          continue; // a slot being migrated or imported
        }
        int dash = range.indexOf('-');
        int first = Integer.parseInt(dash < 0 ? range : range.substring(0, dash));
        int last = dash < 0 ? first : Integer.parseInt(range.substring(dash + 1));
        for (int slot = first; slot <= last; slot++) {
          owners.put(slot, fields[0] + ":" + port);
        }
      }
    }
    return owners;
  }

  private static String slotOwners(String clusterNodes) {
    Map<Integer, String> owners = owners(clusterNodes);
    if (owners.size() != SlotHash.SLOT_COUNT) {
      return "incomplete:" + owners.size();
    }
    StringBuilder view = new StringBuilder();
    String previous = null;
    for (Map.Entry<Integer, String> owner : owners.entrySet()) {
      if (!owner.getValue().equals(previous)) {
        view.append(owner.getKey()).append('=').append(owner.getValue()).append(' ');
        previous = owner.getValue();
      }
    }
    return view.toString();
  }

  private boolean answers(Node node) {
    if (!node.isRunning()) {
      throw new IllegalStateException("redis-server on port " + node.port + " exited:\n"
          + readQuietly(directory.resolve("redis-" + node.port + ".log")));
    }
    try (java.net.Socket socket = new java.net.Socket()) {
      socket.connect(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), node.port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private void run(List<String> command) {
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
        process.destroyForcibly();
        throw new IllegalStateException(String.join(" ", command) + " failed:\n" + output);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static void awaitUntil(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    RuntimeException last = null;
    while (System.nanoTime() < deadline) {
      try {
        if (condition.getAsBoolean()) {
          return;
        }
      } catch (RuntimeException e) {
        last = e;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50)); // polling the cluster's state
    }
    throw new IllegalStateException("timed out waiting until " + what, last);
  }

  private void stop(Node node) {
    Process running = node.process;
    if (running != null) {
      running.destroy();
      await(running);
      node.process = null;
    }
  }

  private void destroyAll() {
    for (Node node : nodes) {
      Process running = node.process;
      if (running != null) {
        running.destroyForcibly();
      }
    }
  }

  private void deleteDirectory() throws IOException {
    if (directory != null) {
      try (Stream<Path> files = Files.walk(directory)) {
        files.sorted(Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
      }
      directory = null;
    }
  }

  private static void await(Process running) {
    try {
      if (!running.waitFor(10, TimeUnit.SECONDS)) {
        running.destroyForcibly();
        running.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static String readQuietly(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      return "(no output: " + e.getMessage() + ")";
    }
  }
}
