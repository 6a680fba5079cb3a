package dev.emitron.core.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One test per rule of the WHATWG event stream parsing and interpretation. */
class SseEventReaderTest {

  private final List<SseEvent> events = new ArrayList<>();
  private final List<String> comments = new ArrayList<>();
  private final List<Long> retries = new ArrayList<>();
  private final SseEventReader.Listener listener = new SseEventReader.Listener() {
    @Override
    public void onEvent(SseEvent event) {
      events.add(event);
    }

    @Override
    public void onComment(String text) {
      comments.add(text);
    }

    @Override
    public void onRetry(long millis) {
      retries.add(millis);
    }
  };
  private SseEventReader reader = new SseEventReader(listener);

  private void feed(String... parts) {
    for (String part : parts) {
      reader.feed(part.getBytes(StandardCharsets.UTF_8));
    }
  }

  private static SseEvent message(String data, String id) {
    return new SseEvent("message", data, id);
  }

  @Test
  void lfEndsALine() {
    feed("data: a\n\n");
    assertThat(events).containsExactly(message("a", ""));
  }

  @Test
  void crEndsALine() {
    feed("data: a\r\r");
    assertThat(events).containsExactly(message("a", ""));
  }

  @Test
  void crlfEndsALine() {
    feed("data: a\r\n\r\n");
    assertThat(events).containsExactly(message("a", ""));
  }

  @Test
  void mixedTerminatorsInOneStream() {
    feed("data: a\rdata: b\ndata: c\r\n\r\ndata: d\n\r");
    assertThat(events).containsExactly(message("a\nb\nc", ""), message("d", ""));
  }

  @Test
  void crAtTheEndOfOneReadAndLfAtTheStartOfTheNextAreOneTerminator() {
    feed("data: a\r", "\ndata: b\r", "\n\r", "\n");
    assertThat(events).containsExactly(message("a\nb", ""));
  }

  @Test
  void crAtTheEndOfOneReadFollowedByAnotherLineIsATerminator() {
    feed("data: a\r", "data: b\r", "\r");
    assertThat(events).containsExactly(message("a\nb", ""));
  }

  @Test
  void lfCrIsTwoTerminators() {
    feed("data: a\n\rdata: b\n\n");
    assertThat(events).containsExactly(message("a", ""), message("b", ""));
  }

  @Test
  void feedingOneByteAtATimeGivesTheSameEvents() {
    byte[] stream = "id: 1\r\nevent: e\r\ndata: caf\u00e9 \ud83d\ude00\r\n\r\n: c\rdata: x\n\n"
        .getBytes(StandardCharsets.UTF_8);
    for (byte b : stream) {
      reader.feed(new byte[] {b});
    }
    assertThat(events).containsExactly(new SseEvent("e", "caf\u00e9 \ud83d\ude00", "1"), message("x", "1"));
    assertThat(comments).containsExactly(" c");
  }

  @Test
  void multiByteCharacterSplitAcrossReadsIsDecoded() {
    byte[] bytes = "data: \u4e2d\u6587\n\n".getBytes(StandardCharsets.UTF_8);
    reader.feed(bytes, 0, 7);
    reader.feed(bytes, 7, bytes.length - 7);
    assertThat(events).containsExactly(message("\u4e2d\u6587", ""));
  }

  @Test
  void invalidUtf8BecomesReplacementCharacter() {
    reader.feed(new byte[] {'d', 'a', 't', 'a', ':', 'x', (byte) 0xff, 'y', '\n', '\n'});
    assertThat(events).containsExactly(message("x\ufffdy", ""));
  }

  @Test
  void oneLeadingByteOrderMarkIsDropped() {
    feed("\ufeffdata: a\n\n");
    assertThat(events).containsExactly(message("a", ""));
  }

  @Test
  void aSecondByteOrderMarkIsPartOfTheFieldName() {
    feed("\ufeff\ufeffdata: a\n\ndata: b\n\n");
    assertThat(events).containsExactly(message("b", ""));
  }

  @Test
  void byteOrderMarkIsOnlyDroppedAtTheStartOfTheStream() {
    feed("data: a\n\n\ufeffdata: b\n\n");
    assertThat(events).containsExactly(message("a", ""));
  }

  @Test
  void oneLeadingSpaceOfTheValueIsDropped() {
    feed("data:  two spaces\n\n");
    assertThat(events).containsExactly(message(" two spaces", ""));
  }

  @Test
  void valueWithoutLeadingSpaceIsKept() {
    feed("data:x\n\n");
    assertThat(events).containsExactly(message("x", ""));
  }

  @Test
  void onlyTheFirstColonSeparatesFieldAndValue() {
    feed("data: a: b:c\n\n");
    assertThat(events).containsExactly(message("a: b:c", ""));
  }

  @Test
  void lineWithoutColonIsAFieldWithAnEmptyValue() {
    feed("data\n\n", "data\ndata\n\n");
    assertThat(events).containsExactly(message("", ""), message("\n", ""));
  }

  @Test
  void dataLinesAreJoinedWithLf() {
    feed("data: a\ndata: b\ndata: c\n\n");
    assertThat(events).containsExactly(message("a\nb\nc", ""));
  }

  @Test
  void emptyDataLineStillDispatches() {
    feed("data:\n\n");
    assertThat(events).containsExactly(message("", ""));
  }

  @Test
  void blockWithoutDataDispatchesNothing() {
    feed("event: x\n\n", "retry: 5\n\n", "\n\n");
    assertThat(events).isEmpty();
  }

  @Test
  void eventTypeDefaultsToMessageAndIsResetAfterDispatch() {
    feed("event: add\ndata: 1\n\ndata: 2\n\n");
    assertThat(events).containsExactly(new SseEvent("add", "1", ""), message("2", ""));
  }

  @Test
  void emptyEventTypeMeansMessage() {
    feed("event:\ndata: 1\n\n");
    assertThat(events).containsExactly(message("1", ""));
  }

  @Test
  void eventTypeOfABlockWithoutDataDoesNotLeakIntoTheNextEvent() {
    feed("event: x\n\ndata: 1\n\n");
    assertThat(events).containsExactly(message("1", ""));
  }

  @Test
  void lastFieldOfATypeWins() {
    feed("event: a\nevent: b\nid: 1\nid: 2\ndata: d\n\n");
    assertThat(events).containsExactly(new SseEvent("b", "d", "2"));
  }

  @Test
  void idSetsTheLastEventIdWhichPersistsAcrossEvents() {
    feed("id: 7\ndata: a\n\ndata: b\n\n");
    assertThat(events).containsExactly(message("a", "7"), message("b", "7"));
    assertThat(reader.lastEventId()).isEqualTo("7");
  }

  @Test
  void idContainingNulIsIgnored() {
    feed("id: 1\ndata: a\n\nid: 2\u00003\ndata: b\n\n");
    assertThat(events).containsExactly(message("a", "1"), message("b", "1"));
  }

  @Test
  void emptyIdResetsTheLastEventId() {
    feed("id: 1\ndata: a\n\nid\ndata: b\n\n");
    assertThat(events).containsExactly(message("a", "1"), message("b", ""));
  }

  @Test
  void idOnlyBlockSetsTheLastEventIdWithoutDispatching() {
    feed("retry: 1000\n\nid: 1700000000000-3\n\n");
    assertThat(events).isEmpty();
    assertThat(reader.lastEventId()).isEqualTo("1700000000000-3");
  }

  @Test
  void idTakesEffectOnlyWhenTheBlockIsDispatched() {
    feed("id: 9\n");
    assertThat(reader.lastEventId()).isEmpty();
    feed("\n");
    assertThat(reader.lastEventId()).isEqualTo("9");
  }

  @Test
  void seededLastEventIdIsKeptUntilTheStreamSetsAnother() {
    reader = new SseEventReader(listener, "5");
    feed("retry: 10\n\ndata: a\n\nid: 6\ndata: b\n\n");
    assertThat(events).containsExactly(message("a", "5"), message("b", "6"));
  }

  @Test
  void commentLinesAreReportedAndDispatchNothing() {
    feed(": hb 123\n:\n:x\ndata: a\n\n");
    assertThat(comments).containsExactly(" hb 123", "", "x");
    assertThat(events).containsExactly(message("a", ""));
  }

  @Test
  void retryWithOnlyDigitsSetsTheReconnectionTime() {
    feed("retry: 2500\n\n");
    assertThat(retries).containsExactly(2500L);
    assertThat(reader.reconnectionTime()).isEqualTo(2500);
  }

  @Test
  void retryWithAnythingButDigitsIsIgnored() {
    feed("retry: 1.5\nretry: -1\nretry: 10 \nretry: 1e3\nretry:\nretry: \uff11\n\n");
    assertThat(retries).isEmpty();
    assertThat(reader.reconnectionTime()).isEqualTo(-1);
  }

  @Test
  void unknownFieldsAreIgnored() {
    feed("foo: bar\ndata: a\nx\n\n");
    assertThat(events).containsExactly(message("a", ""));
  }

  @Test
  void fieldNamesAreCaseSensitive() {
    feed("Data: a\nID: 1\nEvent: e\ndata: b\n\n");
    assertThat(events).containsExactly(message("b", ""));
  }

  @Test
  void fieldNameWithLeadingSpaceIsUnknown() {
    feed(" data: a\ndata: b\n\n");
    assertThat(events).containsExactly(message("b", ""));
  }

  @Test
  void incompleteEventAtTheEndOfTheStreamIsDiscarded() {
    feed("data: a\n\ndata: b\nid: 2\n");
    reader.end();
    assertThat(events).containsExactly(message("a", ""));
    assertThat(reader.lastEventId()).isEmpty();
  }

  @Test
  void incompleteLineAtTheEndOfTheStreamIsDiscarded() {
    feed("data: a\n\ndata: b");
    reader.end();
    feed("\n\n");
    assertThat(events).containsExactly(message("a", ""));
  }
}
