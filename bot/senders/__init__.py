"""Channel senders for pushed notifications (implementations of notifications.ports.Sender)."""
