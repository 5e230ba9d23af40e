from rest_framework.throttling import SimpleRateThrottle


class PublicThrottle(SimpleRateThrottle):
    """Per client address, for every public endpoint (form pages and API alike).

    The rate is DRF's ("20/minute"), and a client may use all of it at once, as with DRF's own
    throttle; what differs is the bookkeeping. DRF keeps the time of every request in the window
    and reads and writes that whole list on each request, so a check costs more the higher the
    limit. This keeps one number per client, the time at which its next request would be on
    schedule (the generic cell rate algorithm), so every check costs the same.
    """

    scope = "public"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        now = self.timer()
        interval = self.duration / self.num_requests  # one request's share of the window
        due = max(self.cache.get(self.key, now), now)
        ahead = due + interval - now  # how far ahead of its schedule this request would put it
        if ahead > self.duration:
            self._wait = ahead - self.duration
            return False
        self.cache.set(self.key, due + interval, ahead)
        return True

    def wait(self) -> float | None:
        """Seconds until the client may send one more request."""
        return getattr(self, "_wait", None)
