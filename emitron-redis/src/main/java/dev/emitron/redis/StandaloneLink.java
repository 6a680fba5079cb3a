package dev.emitron.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * Standalone Redis: one command connection and one pub/sub connection ({@code SUBSCRIBE}). After a
 * reconnect Lettuce subscribes the connection's channels again by itself, and the confirmations tell
 * the live feed that it was restored.
 */
final class StandaloneLink implements RedisLink {

  private final RedisClient client;
  private final StatefulRedisConnection<String, String> connection;
  private final StatefulRedisPubSubConnection<String, String> pubSub;
  private final Duration timeout;

  private StandaloneLink(RedisClient client, StatefulRedisConnection<String, String> connection,
      StatefulRedisPubSubConnection<String, String> pubSub, Duration timeout) {
    this.client = client;
    this.connection = connection;
    this.pubSub = pubSub;
    this.timeout = timeout;
  }

  /** Connects; on failure releases what it opened and throws. */
  static StandaloneLink connect(RedisOptions options, ClientResources resources) {
    Duration timeout = options.commandTimeout();
    RedisURI uri = options.redisUri();
    uri.setTimeout(timeout);
    RedisClient client = RedisClient.create(resources, uri);
    StatefulRedisConnection<String, String> commands = null;
    try {
      client.setOptions(RedisLink.configure(ClientOptions.builder(), options).build());
      commands = client.connect(StringCodec.UTF8);
      StatefulRedisPubSubConnection<String, String> pubSub = client.connectPubSub(StringCodec.UTF8);
      return new StandaloneLink(client, commands, pubSub, timeout);
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

  @Override
  public CompletionStage<String> ping() {
    return connection.async().ping();
  }

  @Override
  public boolean feedOpen() {
    return pubSub.isOpen();
  }

  @Override
  public boolean sharded() {
    return false;
  }

  @Override
  public RedisFuture<Void> subscribe(String channel) {
    return pubSub.async().subscribe(channel);
  }

  @Override
  public RedisFuture<Void> unsubscribe(String channel) {
    return pubSub.async().unsubscribe(channel);
  }

  @Override
  public void attach(LiveFeed feed) {
    pubSub.addListener(new RedisPubSubAdapter<>() {
      @Override
      public void subscribed(String channel, long count) {
        feed.subscribed(channel, null);
      }

      @Override
      public void unsubscribed(String channel, long count) {
        feed.unsubscribed(channel);
      }

      @Override
      public void message(String channel, String message) {
        feed.message(channel, message);
      }
    });
  }

  @Override
  public void close() {
    pubSub.close();
    connection.close();
    client.shutdown(Duration.ZERO, timeout);
  }
}
