"""A price-change subscriber in Python with pika (Debian's python3-pika): knows nothing of the .NET code base.

Usage: pika_subscriber.py AMQP_URI PATTERN
Binds an exclusive queue to the topic exchange "pricing.price-changes" with PATTERN, prints "READY <queue>", then one
line per change: <routing key> <provider> <version> <kind> <offer key> <old price> <new price>. Stops when stdin closes.
"""
import json
import sys
import threading

import pika

EXCHANGE = "pricing.price-changes"
KINDS = {1: "Added", 2: "Changed", 3: "Removed"}


def main() -> None:
    uri, pattern = sys.argv[1], sys.argv[2]
    connection = pika.BlockingConnection(pika.URLParameters(uri))
    channel = connection.channel()
    channel.exchange_declare(exchange=EXCHANGE, exchange_type="topic", durable=True)
    queue = channel.queue_declare(queue="", exclusive=True, auto_delete=True).method.queue
    channel.queue_bind(queue=queue, exchange=EXCHANGE, routing_key=pattern)

    def on_message(ch, method, _properties, body):
        change = json.loads(body)["message"]
        print(method.routing_key, change["provider"], change["catalogVersion"], KINDS.get(change["kind"], change["kind"]),
              change["offerKey"], change.get("oldPricePerInstanceHour"), change.get("newPricePerInstanceHour"), flush=True)
        ch.basic_ack(delivery_tag=method.delivery_tag)

    channel.basic_consume(queue=queue, on_message_callback=on_message)
    print("READY", queue, pattern, flush=True)

    # stdin closing is the signal to stop: the consumer loop is told from this thread.
    def wait_for_stdin() -> None:
        sys.stdin.read()
        connection.add_callback_threadsafe(channel.stop_consuming)

    threading.Thread(target=wait_for_stdin, daemon=True).start()
    channel.start_consuming()
    connection.close()


if __name__ == "__main__":
    main()
