package dev.emitron.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SseEncoderTest {

  private static String text(byte[] frame) {
    return new String(frame, StandardCharsets.UTF_8);
  }

  @Test
  void anEventHasIdEventAndDataLinesAndEndsWithABlankLine() {
    assertThat(text(SseEncoder.event("1-0", "update", "{\"a\":1}")))
        .isEqualTo("id: 1-0\nevent: update\ndata: {\"a\":1}\n\n");
  }

  @Test
  void idAndEventAreOptional() {
    assertThat(text(SseEncoder.event(null, null, "x"))).isEqualTo("data: x\n\n");
  }

  @Test
  void dataIsSplitOnLineFeed() {
    assertThat(text(SseEncoder.event(null, null, "a\nb"))).isEqualTo("data: a\ndata: b\n\n");
  }

  @Test
  void dataIsSplitOnCarriageReturn() {
    assertThat(text(SseEncoder.event(null, null, "a\rb"))).isEqualTo("data: a\ndata: b\n\n");
  }

  @Test
  void dataIsSplitOnceOnCarriageReturnLineFeed() {
    assertThat(text(SseEncoder.event(null, null, "a\r\nb"))).isEqualTo("data: a\ndata: b\n\n");
  }

  @Test
  void consecutiveAndTrailingTerminatorsGiveEmptyDataLines() {
    assertThat(text(SseEncoder.event(null, null, "a\n\nb\n"))).isEqualTo("data: a\ndata: \ndata: b\ndata: \n\n");
    assertThat(text(SseEncoder.event(null, null, ""))).isEqualTo("data: \n\n");
  }

  @Test
  void lookAlikeFieldsInsideDataStayData() {
    assertThat(text(SseEncoder.event("1-0", null, "x\revent: evil\rid: 999")))
        .isEqualTo("id: 1-0\ndata: x\ndata: event: evil\ndata: id: 999\n\n");
  }

  @Test
  void unicodeLineSeparatorsAreNotLineTerminators() {
    assertThat(text(SseEncoder.event(null, null, "a\u2028b\u2029c\u0085d")))
        .isEqualTo("data: a\u2028b\u2029c\u0085d\n\n");
  }

  @Test
  void idAndEventMustNotHoldLineTerminatorsOrNul() {
    assertThatThrownBy(() -> SseEncoder.event("1\n2", null, "x")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SseEncoder.event("1\r2", null, "x")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SseEncoder.event("1\u00002", null, "x")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SseEncoder.event(null, "a\nb", "x")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void commentsStartWithAColonAndCannotSpanLines() {
    assertThat(text(SseEncoder.comment("hb 123"))).isEqualTo(": hb 123\n");
    assertThatThrownBy(() -> SseEncoder.comment("a\nb")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void retryIsADecimalNumberOfMilliseconds() {
    assertThat(text(SseEncoder.retry(10000))).isEqualTo("retry: 10000\n\n");
    assertThatThrownBy(() -> SseEncoder.retry(-1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void anIdOnlyFrameCarriesNoData() {
    assertThat(text(SseEncoder.lastEventId("5-1"))).isEqualTo("id: 5-1\n\n");
  }

  @Test
  void framesAreUtf8() {
    assertThat(SseEncoder.event(null, null, "日本😀")).isEqualTo("data: 日本😀\n\n".getBytes(StandardCharsets.UTF_8));
  }
}
