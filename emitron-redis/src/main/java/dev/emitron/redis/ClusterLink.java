package dev.emitron.redis;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.event.ClusterTopologyChangedEvent;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.pubsub.RedisClusterPubSubAdapter;
import io.lettuce.core.cluster.pubsub.StatefulRedisClusterPubSubConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.event.Event;
import io.lettuce.core.event.connection.ConnectionActivatedEvent;
import io.lettuce.core.event.connection.ConnectionDeactivatedEvent;
import io.lettuce.core.resource.ClientResources;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;

/**
 * A Redis Cluster with sharded pub/sub: Lettuce's cluster client routes each script to the master
 * owning its key's slot, and each {@code SSUBSCRIBE} to the master owning the channel's slot (key and
 * channel share the slot through the {@code {topic}} hash tag), on one pub/sub connection per node.
 *
 * <p>Lettuce re-subscribes a node connection's channels when that same connection comes back, but
 * not elsewhere: not when the slot moved to another node, nor when a replica took over from a master
 * that is gone (and its own re-subscription sends every channel of the connection in one
 * {@code SSUBSCRIBE}, which Redis refuses with {@code CROSSSLOT} when they span slots). So the link
 * keeps each channel where its slot lives itself: a subscription Redis ended (the slot moved; Redis
 * sends {@code sunsubscribe}) or lost with its node's connection is subscribed again, one channel per
 * command, routed by the current topology (a {@code MOVED} reply is followed and triggers a topology
 * refresh); the confirmation makes the live feed report the restoration, and emitron reads what was
 * missed from the buffer. This runs on topology changes, on connection events, and every
 * {@value #RECONCILE_MILLIS} ms, which also retries what failed while a failover was under way.
 *
 * <p>Topology refresh: periodic ({@link RedisOptions#topologyRefreshPeriod()}) and adaptive (on
 * {@code MOVED}/{@code ASK}, uncovered slots and repeated failed reconnects), at most once per
 * {@link RedisOptions#reconnectDelay()}.
 */
final class ClusterLink implements RedisLink {

  private static final Logger log = LoggerFactory.getLogger(ClusterLink.class);

  static final long RECONCILE_MILLIS = 1000;

  private final RedisClusterClient client;
  private final StatefulRedisClusterConnection<String, String> connection;
  private final StatefulRedisClusterPubSubConnection<String, String> pubSub;
  private final ClientResources resources;
  private final Duration timeout;
  private final Duration refreshPause;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicBoolean reconcileScheduled = new AtomicBoolean();
  private volatile long lastRefreshNanos = System.nanoTime();
  private volatile /* @Nullable */ LiveFeed feed;
  private volatile /* @Nullable */ Disposable events;
  private volatile /* @Nullable */ ScheduledFuture<?> ticks;

  private ClusterLink(RedisClusterClient client, StatefulRedisClusterConnection<String, String> connection,
      StatefulRedisClusterPubSubConnection<String, String> pubSub, ClientResources resources,
      RedisOptions options) {
    this.client = client;
    this.connection = connection;
    this.pubSub = pubSub;
    this.resources = resources;
    this.timeout = options.commandTimeout();
    this.refreshPause = options.reconnectDelay();
  }

  /** Connects to the cluster; on failure releases what it opened and throws. */
  static ClusterLink connect(RedisOptions options, ClientResources resources) {
    Duration timeout = options.commandTimeout();
    List<RedisURI> seeds = options.clusterUris();
    for (RedisURI seed : seeds) {
      seed.setTimeout(timeout);
    }
    RedisClusterClient client = RedisClusterClient.create(resources, seeds);
    StatefulRedisClusterConnection<String, String> commands = null;
    try {
      client.setOptions(RedisLink.configure(ClusterClientOptions.builder(), options)
          .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
              .enablePeriodicRefresh(options.topologyRefreshPeriod())
              .enableAllAdaptiveRefreshTriggers()
              .adaptiveRefreshTriggersTimeout(options.reconnectDelay())
              .refreshTriggersReconnectAttempts(2)
              .dynamicRefreshSources(true)
              .closeStaleConnections(true)
              .build())
          .build());
      commands = client.connect(StringCodec.UTF8);
      StatefulRedisClusterPubSubConnection<String, String> pubSub = client.connectPubSub(StringCodec.UTF8);
      return new ClusterLink(client, commands, pubSub, resources, options);
    } catch (RuntimeException e) {
      if (commands != null) {
        commands.close();
      }
      client.shutdown(Duration.ZERO, timeout);
      throw e;
    }
  }

  @Override
  public RedisScriptingAsyncCommands<String, String> scripting() {
    return connection.async();
  }

  @Override
  public String serverInfo() {
    return connection.sync().info("server");
  }

  /**
   * Pings every master that owns slots (the default node alone could be a master that failed over and
   * never comes back); {@code PONG} when all answer.
   */
  @Override
  public CompletionStage<String> ping() {
    List<CompletableFuture<String>> pings = new ArrayList<>();
    for (RedisClusterNode node : client.getPartitions()) {
      if (node.is(RedisClusterNode.NodeFlag.UPSTREAM) && !node.getSlots().isEmpty()) {
        pings.add(connection.getConnectionAsync(node.getNodeId())
            .thenCompose(master -> master.async().ping()));
      }
    }
    if (pings.isEmpty()) {
      return CompletableFuture.completedFuture("no master owns a slot");
    }
    return CompletableFuture.allOf(pings.toArray(CompletableFuture[]::new)).thenApply(all -> {
      for (CompletableFuture<String> ping : pings) {
        if (!"PONG".equals(ping.join())) {
          return ping.join();
        }
      }
      return "PONG";
    });
  }

  @Override
  public boolean feedOpen() {
    return pubSub.isOpen();
  }

  @Override
  public boolean sharded() {
    return true;
  }

  @Override
  public RedisFuture<Void> subscribe(String channel) {
    return pubSub.async().ssubscribe(channel);
  }

  @Override
  public RedisFuture<Void> unsubscribe(String channel) {
    return pubSub.async().sunsubscribe(channel);
  }

  @Override
  public void attach(LiveFeed feed) {
    this.feed = feed;
    pubSub.addListener(new RedisClusterPubSubAdapter<>() {
      @Override
      public void ssubscribed(RedisClusterNode node, String channel, long count) {
        feed.subscribed(channel, node == null ? null : node.getNodeId());
      }

      @Override
      public void sunsubscribed(RedisClusterNode node, String channel, long count) {
        feed.unsubscribed(channel);
      }

      @Override
      public void smessage(RedisClusterNode node, String channel, String message) {
        feed.message(channel, message);
      }
    });
    events = resources.eventBus().get().subscribe(this::onEvent,
        failure -> log.warn("Lettuce's event bus failed; moved subscriptions are found by the periodic check",
            failure));
    ticks = resources.eventExecutorGroup().scheduleWithFixedDelay(this::reconcile, RECONCILE_MILLIS,
        RECONCILE_MILLIS, TimeUnit.MILLISECONDS);
  }

  @Override
  public void dropped() {
    reconcileSoon();
  }

  /** Asks for a reconciliation soon, off the calling (event-loop) thread. */
  private void reconcileSoon() {
    if (closed.get() || !reconcileScheduled.compareAndSet(false, true)) {
      return;
    }
    try {
      resources.eventExecutorGroup().schedule(() -> {
        reconcileScheduled.set(false);
        reconcile();
      }, 20, TimeUnit.MILLISECONDS);
    } catch (RuntimeException e) {
      reconcileScheduled.set(false); // shutting down
    }
  }

  private void onEvent(Event event) {
    LiveFeed live = feed;
    if (live == null || closed.get()) {
      return;
    }
    if (event instanceof ConnectionDeactivatedEvent deactivated) {
      Set<String> nodes = nodesAt(deactivated.remoteAddress());
      if (!nodes.isEmpty()) {
        live.lost(nodes::contains);
        reconcileSoon();
      }
    } else if (event instanceof ConnectionActivatedEvent || event instanceof ClusterTopologyChangedEvent) {
      reconcileSoon();
    }
  }

  /** The ids of the known nodes at a socket address (a lost connection's peer). */
  private Set<String> nodesAt(SocketAddress address) {
    Set<String> ids = new HashSet<>();
    if (!(address instanceof InetSocketAddress socket)) {
      return ids;
    }
    for (RedisClusterNode node : client.getPartitions()) {
      RedisURI uri = node.getUri();
      if (uri == null || uri.getPort() != socket.getPort()) {
        continue;
      }
      String host = uri.getHost();
      if (host.equals(socket.getHostString())
          || (socket.getAddress() != null && host.equals(socket.getAddress().getHostAddress()))) {
        ids.add(node.getNodeId());
      }
    }
    return ids;
  }

  /** Re-subscribes what needs it; when some did, reads the topology again if it has not lately. */
  private void reconcile() {
    LiveFeed live = feed;
    if (live == null || closed.get()) {
      return;
    }
    try {
      int sent = live.reconcile();
      if (sent > 0 && System.nanoTime() - lastRefreshNanos > refreshPause.toNanos()) {
        lastRefreshNanos = System.nanoTime();
        client.refreshPartitionsAsync();
      }
    } catch (RuntimeException e) {
      log.debug("Checking the live feed's subscriptions failed; trying again", e);
    }
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    Disposable subscription = events;
    if (subscription != null) {
      subscription.dispose();
    }
    ScheduledFuture<?> scheduled = ticks;
    if (scheduled != null) {
      scheduled.cancel(false);
    }
    pubSub.close();
    connection.close();
    client.shutdown(Duration.ZERO, timeout);
  }
}
