package dev.emitron.examples.springboot;

import dev.emitron.core.Emitron;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * The application's own endpoint: placing an order publishes an event to topic {@code orders}, which
 * every subscriber of {@code /events/sub/orders} receives.
 */
@RestController
class OrderController {

  private final Emitron emitron;
  private final AtomicLong orders = new AtomicLong();

  OrderController(Emitron emitron) {
    this.emitron = emitron;
  }

  /** An order as the client sends it. */
  record OrderRequest(String item, int quantity) {
  }

  /** The placed order, as returned and as published. */
  record Order(long order, String item, int quantity, String status) {
  }

  /**
   * Places an order and answers once the event is stored in the replay buffer (Spring MVC completes the
   * response when the stage completes).
   */
  @PostMapping("/orders")
  @ResponseStatus(HttpStatus.CREATED)
  CompletionStage<Map<String, Object>> place(@RequestBody OrderRequest request) {
    Order order = new Order(orders.incrementAndGet(), request.item(), request.quantity(), "placed");
    return emitron.publish("orders", order)
        .thenApply(published -> Map.of("order", order, "eventId", published.id().toString()));
  }
}
