package dev.emitron.redis;

import dev.emitron.core.EmitronException;
import dev.emitron.core.Message;
import dev.emitron.core.MessageId;
import dev.emitron.core.Replay;
import dev.emitron.core.Topic;
import dev.emitron.core.Transport;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import io.lettuce.core.event.Event;
import io.lettuce.core.event.connection.ConnectionActivatedEvent;
import io.lettuce.core.event.connection.ConnectionDeactivatedEvent;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.netty.util.concurrent.BlockingOperationException;
import io.netty.util.concurrent.Future;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import reactor.core.Disposable;
import org.slf4j.LoggerFactory;

/**
 * The transport on Lettuce, for standalone Redis and Redis Cluster alike: the scripts, the ids and the
 * live feed's bookkeeping ({@link LiveFeed}) are shared, and a {@link RedisLink} holds what differs
 * (standalone: one command connection and one pub/sub connection; cluster: Lettuce's cluster client
 * with sharded pub/sub). The client resources are created and shut down here.
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
  private final RedisLink link;
  private final LiveFeed feed;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Disposable connectionLog;

  private final Script publishScript;
  private final Script readLastScript;
  private final Script readAfterScript;
  private final Script clearScript;

  LettuceTransport(RedisOptions options, Settings settings, Listener listener) {
    this.replayMax = Integer.toString(settings.replayMax());
    this.keys = new Keys(options.channelPrefix());
    this.timeout = options.commandTimeout();
    this.resources = ClientResources.builder()
        .reconnectDelay(Delay.exponential(Duration.ofMillis(10), options.reconnectDelay(), 2, TimeUnit.MILLISECONDS))
        .build();
    // Subscribed before connecting, so that it counts every connection from the first.
    this.connectionLog = resources.eventBus().get()
        .subscribe(new ConnectionLog(RedisOptions.masked(options.uri()), listener, closed));
    RedisLink connected = null;
    try {
      connected = options.cluster()
          ? ClusterLink.connect(options, resources)
          : StandaloneLink.connect(options, resources);
      requireVersion7(connected);
    } catch (RuntimeException e) {
      if (connected != null) {
        connected.close();
      }
      connectionLog.dispose();
      resources.shutdown(0, timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (e instanceof EmitronException emitron) {
        throw emitron;
      }
      throw new EmitronException.Unavailable(
          "cannot connect to Redis at " + RedisOptions.masked(options.uri()) + ": " + e.getMessage(), e);
    }
    this.link = connected;
    RedisScriptingAsyncCommands<String, String> async = link.scripting();
    String publish = link.sharded() ? Scripts.SHARDED_PUBLISH : Scripts.PUBLISH;
    this.publishScript = new Script(publish, async.digest(publish), ScriptOutputType.MULTI);
    this.readLastScript = new Script(Scripts.READ_LAST, async.digest(Scripts.READ_LAST), ScriptOutputType.MULTI);
    this.readAfterScript = new Script(Scripts.READ_AFTER, async.digest(Scripts.READ_AFTER), ScriptOutputType.MULTI);
    this.clearScript = new Script(Scripts.CLEAR, async.digest(Scripts.CLEAR), ScriptOutputType.INTEGER);
    for (Script script : List.of(publishScript, readLastScript, readAfterScript, clearScript)) {
      try {
        async.scriptLoad(script.text()).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      } catch (Exception e) {
        log.debug("SCRIPT LOAD failed; the script is loaded by its first EVAL instead", e);
      }
    }
    this.feed = new LiveFeed(link, keys, listener, message -> floors.record(message.topic(), message.id()),
        link::dropped, link.sharded() ? timeout : null);
    link.attach(feed);
    log.debug("Redis transport connected to {}", RedisOptions.masked(options.uri()));
  }

  /**
   * One log line when Redis goes away (one of our connections drops) and one when it is back (as many
   * connections are up as before), which is also reported as a reconnect. Counts Lettuce's connection
   * events, the same for standalone Redis and a cluster; runs on Lettuce's event threads.
   */
  private static final class ConnectionLog implements Consumer<Event> {
    private final String uri;
    private final Listener listener;
    private final AtomicBoolean closed;
    // guarded by this
    private int active;
    private int healthy;
    private boolean down;

    ConnectionLog(String uri, Listener listener, AtomicBoolean closed) {
      this.uri = uri;
      this.listener = listener;
      this.closed = closed;
    }

    @Override
    public void accept(Event event) {
      boolean wentDown = false;
      boolean cameBack = false;
      synchronized (this) {
        if (event instanceof ConnectionActivatedEvent) {
          active++;
          if (down && active >= healthy) {
            down = false;
            cameBack = true;
          } else if (!down) {
            healthy = Math.max(healthy, active);
          }
        } else if (event instanceof ConnectionDeactivatedEvent) {
          active = Math.max(0, active - 1);
          if (!down && active < healthy) {
            down = true;
            wentDown = true;
          }
        }
      }
      if (closed.get()) {
        return;
      }
      if (wentDown) {
        log.warn("Redis down: lost the connection to {}; reconnecting", uri);
      } else if (cameBack) {
        log.info("Redis up: reconnected to {}", uri);
        try {
          listener.onReconnected();
        } catch (RuntimeException e) {
          log.warn("Listener failed on a Redis reconnect", e);
        }
      }
    }
  }

  /**
   * The scripts need Redis 7.0 ({@code XINFO STREAM}'s {@code max-deleted-entry-id},
   * {@code XSETID ... MAXDELETEDID}); refuse an older server at once rather than fail every read.
   */
  private static void requireVersion7(RedisLink link) {
    String info;
    try {
      info = link.serverInfo();
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
      return link.ping().toCompletableFuture()
          .handle((pong, failure) -> failure == null && "PONG".equals(pong) && link.feedOpen())
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
    connectionLog.dispose();
    try {
      link.close();
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
      RedisScriptingAsyncCommands<String, String> async = link.scripting();
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
