class PolicyRefusal(Exception):
    """A step the policy does not allow; the message says why, in words a user understands."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
