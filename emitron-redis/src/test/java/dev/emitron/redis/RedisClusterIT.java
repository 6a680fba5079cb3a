package dev.emitron.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.emitron.core.Emitron;
import dev.emitron.core.Message;
import dev.emitron.core.MessageId;
import dev.emitron.core.Published;
import dev.emitron.core.SubscribeOptions;
import dev.emitron.core.Transport;
import io.lettuce.core.cluster.SlotHash;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The Redis transport on a three-master Redis Cluster: sharded traffic, and slots moving during a run. */
class RedisClusterIT {

  @RegisterExtension
  static final RedisClusterExtension cluster = new RedisClusterExtension(3, 0);

  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void closeInstances() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  /** Live-feed restorations reported per topic, over every instance. */
  private final RestorationCounter restorations = new RestorationCounter();

  private Emitron instance(int replayMax) {
    Transport.Factory redis = RedisTransport.factory(RedisOptions.builder()
        .uri(cluster.uri())
        .commandTimeout(Duration.ofSeconds(1))
        .build());
    Emitron emitron = Emitron.builder()
        .replayMax(replayMax)
        .heartbeat(Duration.ZERO)
        .transport(restorations.wrap(redis))
        .build();
    closeables.add(emitron);
    return emitron;
  }

  private Recorder subscribe(Emitron emitron, String topic, SubscribeOptions options) {
    return Recorder.subscribe(emitron, topic, options, closeables);
  }

  private static String channel(String topic) {
    return "emitron:{" + topic + "}:live";
  }

  private static long stat(String info, String name) {
    for (String line : info.split("\r?\n")) {
      if (line.startsWith(name + ":")) {
        return Long.parseLong(line.substring(name.length() + 1).trim());
      }
    }
    return 0;
  }

  /** Calls of a command on a node since its stats were reset, from {@code INFO commandstats}. */
  private static long calls(int port, String command) {
    for (String line : cluster.node(port).info("commandstats").split("\r?\n")) {
      if (line.startsWith("cmdstat_" + command + ":calls=")) {
        String rest = line.substring(("cmdstat_" + command + ":calls=").length());
        return Long.parseLong(rest.substring(0, rest.indexOf(',')));
      }
    }
    return 0;
  }

  @Test
  void thousandTopicsSpreadOverTheShardsReachEverySubscriberAndEachShardCarriesOnlyItsOwn() {
    int topics = 1000;
    int rounds = 3;
    Emitron a = instance(10);
    Emitron b = instance(10);
    List<String> names = new ArrayList<>();
    Map<Integer, Set<String>> channelsByNode = new HashMap<>();
    for (int i = 0; i < topics; i++) {
      String topic = "spread-" + i;
      names.add(topic);
      channelsByNode.computeIfAbsent(cluster.ownerOfKey(channel(topic)), n -> new HashSet<>()).add(channel(topic));
    }
    List<Integer> masters = cluster.masterPorts();
    assertThat(masters).hasSize(3);
    for (int port : masters) {
      assertThat(channelsByNode.get(port)).as("topics on node %d", port).hasSizeGreaterThan(topics / 5);
      cluster.node(port).configResetstat();
    }

    List<Recorder> onA = new ArrayList<>();
    List<Recorder> onB = new ArrayList<>();
    for (String topic : names) {
      onA.add(subscribe(a, topic, SubscribeOptions.live()));
      onB.add(subscribe(b, topic, SubscribeOptions.live()));
    }
    for (int i = 0; i < topics; i++) {
      onA.get(i).takeStart();
      onB.get(i).takeStart();
    }

    // Every channel is subscribed on the master owning its slot, by both instances, and nowhere else.
    for (int port : masters) {
      assertThat(cluster.channelsOn(port)).as("shard channels of node %d", port)
          .containsExactlyInAnyOrderElementsOf(channelsByNode.get(port));
      assertThat(stat(cluster.node(port).info("stats"), "pubsubshard_channels"))
          .isEqualTo(channelsByNode.get(port).size());
      assertThat(cluster.node(port).pubsubChannels()).as("no plain pub/sub channel").isEmpty();
    }
    String sample = names.get(7);
    for (int port : masters) {
      assertThat(cluster.subscribersOn(port, channel(sample)))
          .isEqualTo(port == cluster.ownerOfKey(channel(sample)) ? 2L : 0L);
    }

    List<List<MessageId>> ids = new ArrayList<>();
    for (int i = 0; i < topics; i++) {
      ids.add(new ArrayList<>());
    }
    for (int round = 0; round < rounds; round++) {
      Emitron publisher = round % 2 == 0 ? a : b;
      List<CompletableFuture<Published>> sent = new ArrayList<>();
      for (String topic : names) {
        sent.add(publisher.publish(topic, Map.of("round", round)).toCompletableFuture());
      }
      for (int i = 0; i < topics; i++) {
        Published published = sent.get(i).orTimeout(30, TimeUnit.SECONDS).join();
        assertThat(published.transportReceivers()).as("instances subscribed to %s", names.get(i)).isEqualTo(2);
        ids.get(i).add(published.id());
      }
    }

    for (int i = 0; i < topics; i++) {
      for (Recorder recorder : List.of(onA.get(i), onB.get(i))) {
        List<Message> received = recorder.takeMessages(rounds);
        assertThat(received).extracting(Message::id).as(names.get(i)).containsExactlyElementsOf(ids.get(i));
        assertThat(received).extracting(Message::data)
            .containsExactly("{\"round\":0}", "{\"round\":1}", "{\"round\":2}");
      }
    }
    for (int i = 0; i < topics; i++) {
      onA.get(i).assertExhausted();
      onB.get(i).assertExhausted();
    }

    assertThat(restorations.total()).as("no live feed was interrupted").isZero();
    // Each shard ran the publishes of its own topics only: SPUBLISH, never the broadcast PUBLISH.
    for (int port : masters) {
      assertThat(calls(port, "spublish")).as("SPUBLISH calls on node %d", port)
          .isEqualTo((long) rounds * channelsByNode.get(port).size());
      assertThat(calls(port, "publish")).as("PUBLISH calls on node %d", port).isZero();
    }
  }

  /**
   * Slots move to another master with {@code redis-cli --cluster reshard} while one instance publishes
   * and subscribers on two instances listen: every acknowledged message reaches every subscriber,
   * in order, once, and the subscriptions follow the slots to their new master.
   */
  @Test
  void slotsMigratedDuringARunLoseNoAcknowledgedMessage() throws Exception {
    List<Integer> masters = cluster.masterPorts();
    int from = masters.get(0);
    int to = masters.get(1);
    int moved = 20;
    int first = cluster.firstSlotOf(from);
    List<String> topics = new ArrayList<>();
    for (int i = 0; topics.size() < 6; i++) {
      String topic = "moving-" + i;
      int slot = SlotHash.getSlot(channel(topic));
      if (slot >= first && slot < first + moved && cluster.ownerOf(slot) == from) {
        topics.add(topic);
      }
    }
    String staying = "staying";
    topics.add(staying);

    Emitron a = instance(1000);
    Emitron b = instance(1000);
    Map<String, List<Recorder>> recorders = new HashMap<>();
    for (String topic : topics) {
      List<Recorder> both = List.of(subscribe(a, topic, SubscribeOptions.live()),
          subscribe(b, topic, SubscribeOptions.live()));
      both.forEach(Recorder::takeStart);
      recorders.put(topic, both);
    }

    Map<String, List<Integer>> acknowledged = new ConcurrentHashMap<>();
    AtomicInteger sent = new AtomicInteger();
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService publisher = Executors.newSingleThreadExecutor();
    try {
      Future<?> publishing = publisher.submit(() -> {
        for (int n = 1; !stop.get(); n++) {
          String topic = topics.get(n % topics.size());
          try {
            a.publish(topic, n).toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
            acknowledged.computeIfAbsent(topic, t -> java.util.Collections.synchronizedList(new ArrayList<>())).add(n);
          } catch (RuntimeException e) {
            // not acknowledged: it may or may not be delivered
          }
          sent.set(n);
        }
        return null;
      });
      await().atMost(Duration.ofSeconds(20)).until(() -> sent.get() >= 200);
      cluster.reshard(from, to, moved);
      int after = sent.get();
      await().atMost(Duration.ofSeconds(30)).until(() -> sent.get() >= after + 300);
      stop.set(true);
      publishing.get(30, TimeUnit.SECONDS);
    } finally {
      stop.set(true);
      publisher.shutdownNow();
    }

    for (String topic : topics) {
      if (!topic.equals(staying)) {
        assertThat(cluster.ownerOfKey(channel(topic))).as("%s moved", topic).isEqualTo(to);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
            assertThat(restorations.get(topic)).as("%s: live feeds restored on the new owner", topic)
                .isNotNull().hasValueGreaterThanOrEqualTo(2));
      }
      List<Integer> expected = acknowledged.get(topic);
      assertThat(expected).as("acknowledged publishes to %s", topic).hasSizeGreaterThan(50);
      for (Recorder recorder : recorders.get(topic)) {
        List<Integer> received = new ArrayList<>();
        while (received.size() < expected.size() || !received.contains(expected.get(expected.size() - 1))) {
          Object event = recorder.poll(Recorder.TIMEOUT);
          assertThat(event).as("%s: the next message after %s; acknowledged %s", topic, received, expected)
              .isInstanceOf(Message.class);
          received.add(Integer.parseInt(((Message) event).data()));
        }
        assertThat(received).as("%s: in order, once", topic).isSorted().doesNotHaveDuplicates();
        assertThat(received).as("%s: every acknowledged message", topic).containsAll(expected);
        assertThat(recorder.poll(Duration.ofMillis(50))).isNull();
      }
    }
    // The subscriptions followed the slots: both instances on the new owner, none left on the old one.
    for (String topic : topics) {
      int owner = cluster.ownerOfKey(channel(topic));
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        assertThat(cluster.subscribersOn(owner, channel(topic))).as(topic).isEqualTo(2L);
        assertThat(cluster.subscribers(channel(topic))).as(topic).isEqualTo(2L);
      });
    }
  }
}
