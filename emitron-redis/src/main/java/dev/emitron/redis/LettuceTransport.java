package dev.emitron.redis;

import dev.emitron.core.EmitronException;
import dev.emitron.core.Message;
import dev.emitron.core.MessageId;
import dev.emitron.core.Replay;
import dev.emitron.core.Topic;
import dev.emitron.core.Transport;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateAdapter;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.ProtocolVersion;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.netty.util.concurrent.BlockingOperationException;
import io.netty.util.concurrent.Future;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transport on Lettuce: one command connection (pipelined, shared by every caller) and one pub/sub
 * connection ({@link LiveFeed}), on client resources this transport creates and shuts down.
 *
 * <p>Lettuce is set to reject commands at once while disconnected, to bound its request queue, to time
 * out every command after {@link RedisOptions#commandTimeout()} and to reconnect by itself, waiting at
 * most {@link RedisOptions#reconnectDelay()} between attempts. Every failure completes the stage with
 * {@link EmitronException.Unavailable}. Stages complete on Lettuce's event-loop thread.
 */
final class LettuceTransport implements Transport {

  private static final Logger log = LoggerFactory.getLogger(LettuceTransport.class);

  private final String replayMax;
  private final Keys keys;
  private final Duration timeout;
  private final IdFloors floors = new IdFloors();
  private final ClientResources resources;
  private final RedisClient client;
  private final StatefulRedisConnection<String, String> connection;
  private final StatefulRedisPubSubConnection<String, String> pubSub;
  private final LiveFeed feed;
  private final AtomicBoolean closed = new AtomicBoolean();

  private final Script publishScript;
  private final Script readLastScript;
  private final Script readAfterScript;
  private final Script clearScript;

  LettuceTransport(RedisOptions options, Settings settings, Listener listener) {
    this.replayMax = Integer.toString(settings.replayMax());
    this.keys = new Keys(options.channelPrefix());
    this.timeout = options.commandTimeout();
    RedisURI uri = options.redisUri();
    uri.setTimeout(timeout);
    this.resources = ClientResources.builder()
        .reconnectDelay(Delay.exponential(Duration.ofMillis(10), options.reconnectDelay(), 2, TimeUnit.MILLISECONDS))
        .build();
    RedisClient created = null;
    StatefulRedisConnection<String, String> commands = null;
    try {
      created = RedisClient.create(resources, uri);
      created.setOptions(ClientOptions.builder()
          .autoReconnect(true)
          .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
          .requestQueueSize(options.requestQueueSize())
          .timeoutOptions(TimeoutOptions.enabled(timeout))
          .protocolVersion(ProtocolVersion.RESP2)
          .socketOptions(SocketOptions.builder()
              .connectTimeout(timeout)
              .keepAlive(SocketOptions.KeepAliveOptions.builder()
                  .enable()
                  .idle(Duration.ofSeconds(15))
                  .interval(Duration.ofSeconds(5))
                  .count(3)
                  .build())
              .build())
          .build());
      commands = created.connect(StringCodec.UTF8);
      requireVersion7(commands);
      this.pubSub = created.connectPubSub(StringCodec.UTF8);
    } catch (RuntimeException e) {
      if (commands != null) {
        commands.close();
      }
      if (created != null) {
        created.shutdown(Duration.ZERO, timeout);
      }
      resources.shutdown(0, timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (e instanceof EmitronException emitron) {
        throw emitron;
      }
      throw new EmitronException.Unavailable(
          "cannot connect to Redis at " + RedisOptions.masked(options.uri()) + ": " + e.getMessage(), e);
    }
    this.client = created;
    this.connection = commands;
    RedisAsyncCommands<String, String> async = connection.async();
    this.publishScript = new Script(Scripts.PUBLISH, async.digest(Scripts.PUBLISH), ScriptOutputType.MULTI);
    this.readLastScript = new Script(Scripts.READ_LAST, async.digest(Scripts.READ_LAST), ScriptOutputType.MULTI);
    this.readAfterScript = new Script(Scripts.READ_AFTER, async.digest(Scripts.READ_AFTER), ScriptOutputType.MULTI);
    this.clearScript = new Script(Scripts.CLEAR, async.digest(Scripts.CLEAR), ScriptOutputType.INTEGER);
    for (Script script : List.of(publishScript, readLastScript, readAfterScript, clearScript)) {
      try {
        connection.sync().scriptLoad(script.text());
      } catch (RuntimeException e) {
        log.debug("SCRIPT LOAD failed; the script is loaded by its first EVAL instead", e);
      }
    }
    this.feed = new LiveFeed(pubSub, keys, listener, message -> floors.record(message.topic(), message.id()));
    pubSub.addListener(feed);
    client.addListener(new ConnectionLog(RedisOptions.masked(options.uri()), listener, closed));
    log.debug("Redis transport connected to {}", RedisOptions.masked(options.uri()));
  }

  /**
   * The scripts need Redis 7.0 ({@code XINFO STREAM}'s {@code max-deleted-entry-id},
   * {@code XSETID ... MAXDELETEDID}); refuse an older server at once rather than fail every read.
   */
  private static void requireVersion7(StatefulRedisConnection<String, String> connection) {
    String info;
    try {
      info = connection.sync().info("server");
    } catch (RedisCommandExecutionException e) {
      log.debug("INFO is not allowed; cannot check the Redis version", e);
      return;
    }
    for (String line : info.split("\r?\n")) {
      if (line.startsWith("redis_version:")) {
        String version = line.substring("redis_version:".length()).trim();
        int dot = version.indexOf('.');
        try {
          if (Integer.parseInt(dot < 0 ? version : version.substring(0, dot)) < 7) {
            throw new EmitronException("the Redis transport needs Redis 7.0 or later; the server runs " + version,
                null);
          }
        } catch (NumberFormatException e) {
          log.debug("Cannot read the Redis version '{}'", version);
        }
        return;
      }
    }
  }

  private record Script(String text, String sha, ScriptOutputType type) {
  }

  /**
   * One log line when Redis goes away (the first of our connections drops) and one when it is back (every
   * connection is up again), which is also counted as a reconnect. Runs on Lettuce's event loop.
   */
  private static final class ConnectionLog extends RedisConnectionStateAdapter {
    private final String uri;
    private final Listener listener;
    private final AtomicBoolean closed;
    private final Set<RedisChannelHandler<?, ?>> down = new HashSet<>(); // guarded by this

    ConnectionLog(String uri, Listener listener, AtomicBoolean closed) {
      this.uri = uri;
      this.listener = listener;
      this.closed = closed;
    }

    @Override
    public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
      boolean first;
      synchronized (this) {
        first = down.isEmpty() && down.add(connection);
        if (!first) {
          down.add(connection);
        }
      }
      if (first && !closed.get()) {
        log.warn("Redis down: lost the connection to {}; reconnecting", uri);
      }
    }

    @Override
    public void onRedisConnected(RedisChannelHandler<?, ?> connection, SocketAddress address) {
      boolean back;
      synchronized (this) {
        back = down.remove(connection) && down.isEmpty();
      }
      if (back && !closed.get()) {
        log.info("Redis up: reconnected to {}", uri);
        try {
          listener.onReconnected();
        } catch (RuntimeException e) {
          log.warn("Listener failed on a Redis reconnect", e);
        }
      }
    }
  }

  @Override
  public String name() {
    return "redis";
  }

  @Override
  public CompletionStage<Receipt> publish(Topic topic, /* @Nullable */ String event, String data) {
    MessageId floor = floors.floor(topic);
    String[] args = {
        keys.channel(topic), replayMax, event == null ? "" : event, data,
        floor == null ? "" : Long.toString(floor.millis()),
        floor == null ? "" : floor.millis() + "-" + (floor.sequence() + 1)};
    return this.<List<Object>>run(publishScript, "publish to", topic, args).thenApply(reply -> {
      MessageId id = id(reply.get(0));
      floors.record(topic, id);
      return new Receipt(id, (Long) reply.get(1));
    });
  }

  @Override
  public CompletionStage<Void> subscribe(Topic topic) {
    if (closed.get()) {
      return closedStage();
    }
    return feed.subscribe(topic);
  }

  @Override
  public void unsubscribe(Topic topic) {
    if (!closed.get()) {
      feed.unsubscribe(topic);
    }
  }

  @Override
  public CompletionStage<Replay> readLast(Topic topic, int count) {
    if (count < 0) {
      throw new IllegalArgumentException("count must not be negative: " + count);
    }
    return this.<List<Object>>run(readLastScript, "read", topic, Integer.toString(count)).thenApply(reply ->
        new Replay(messages(topic, reply.get(2)), id(reply.get(0)), optionalId(reply.get(1)), true));
  }

  @Override
  public CompletionStage<Replay> readAfter(Topic topic, MessageId after) {
    return this.<List<Object>>run(readAfterScript, "read", topic, after.toString()).thenApply(reply ->
        new Replay(messages(topic, reply.get(3)), id(reply.get(0)), optionalId(reply.get(1)),
            ((Long) reply.get(2)) == 1L));
  }

  @Override
  public CompletionStage<Boolean> clear(Topic topic) {
    return this.<Long>run(clearScript, "clear", topic).thenApply(removed -> removed > 0);
  }

  @Override
  public CompletionStage<Boolean> ping() {
    if (closed.get()) {
      return CompletableFuture.completedFuture(false);
    }
    try {
      return connection.async().ping().toCompletableFuture()
          .handle((pong, failure) -> failure == null && "PONG".equals(pong) && pubSub.isOpen())
          .completeOnTimeout(false, timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(false);
    }
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    feed.close();
    try {
      pubSub.close();
      connection.close();
      client.shutdown(Duration.ZERO, timeout);
    } catch (RuntimeException e) {
      log.warn("Redis client failed to shut down", e);
    } finally {
      Future<Boolean> done = resources.shutdown(0, timeout.toMillis(), TimeUnit.MILLISECONDS);
      try {
        done.await(timeout.toMillis() + 1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (BlockingOperationException e) {
        // close() was called on one of our own event-loop threads: the shutdown finishes by itself.
      }
    }
  }

  /**
   * Runs a script with EVALSHA, loading it with EVAL when Redis does not know it (the first call, or
   * after Redis restarted or its script cache was flushed).
   */
  private <T> CompletionStage<T> run(Script script, String action, Topic topic, String... args) {
    if (closed.get()) {
      return closedStage();
    }
    String[] key = {keys.stream(topic)};
    CompletableFuture<T> result = new CompletableFuture<>();
    try {
      RedisAsyncCommands<String, String> async = connection.async();
      async.<T>evalsha(script.sha(), script.type(), key, args).whenComplete((value, failure) -> {
        if (failure == null) {
          result.complete(value);
        } else if (Errors.unwrap(failure) instanceof RedisNoScriptException) {
          try {
            async.<T>eval(script.text(), script.type(), key, args)
                .whenComplete((loaded, again) -> complete(result, loaded, again, action, topic));
          } catch (RuntimeException e) {
            complete(result, null, e, action, topic);
          }
        } else {
          complete(result, null, failure, action, topic);
        }
      });
    } catch (RuntimeException e) {
      complete(result, null, e, action, topic);
    }
    return result;
  }

  private static <T> void complete(CompletableFuture<T> result, /* @Nullable */ T value,
      /* @Nullable */ Throwable failure, String action, Topic topic) {
    if (failure == null) {
      result.complete(value);
    } else {
      result.completeExceptionally(Errors.unavailable(action, topic, failure));
    }
  }

  private static <T> CompletableFuture<T> closedStage() {
    return CompletableFuture.failedFuture(new EmitronException.Closed("transport is closed"));
  }

  private static MessageId id(Object text) {
    return MessageId.parse((String) text)
        .orElseThrow(() -> new EmitronException("Redis returned a malformed message id: " + text, null));
  }

  private static /* @Nullable */ MessageId optionalId(Object text) {
    return "".equals(text) ? null : id(text);
  }

  private static List<Message> messages(Topic topic, Object flat) {
    List<?> fields = (List<?>) flat;
    List<Message> messages = new ArrayList<>(fields.size() / 3);
    for (int i = 0; i + 2 < fields.size(); i += 3) {
      String event = (String) fields.get(i + 1);
      messages.add(new Message(topic, id(fields.get(i)), event.isEmpty() ? null : event,
          (String) fields.get(i + 2)));
    }
    return messages;
  }
}
