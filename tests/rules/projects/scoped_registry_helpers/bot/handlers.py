# The handlers run on the bot's worker threads: each one's helpers share its
# thread's session of DB.
from bot.db import scores


# Bad: add_points committed (expired) the object it returns, and threshold()
# closed the thread's session before the read.
def on_points(player, n, reply):
    score = scores.add_points(player, n)
    limit = scores.threshold(player)
    if score.points > limit:  # expect: SL102 "the close in `threshold()` called on line 10"
        reply("over the limit")


# Bad: an object loaded unexpired, then expired by another helper's commit,
# then detached by the close.
def on_check(player, reply):
    score = scores.find(player)
    scores.audit(player)
    scores.threshold(player)
    reply(score.points)  # expect: SL102 "the commit in `audit()` called on line 19"


# Quiet: the values are read in the helper before its commit.
def on_points_values(player, n, reply):
    points = scores.add_points_values(player, n)
    limit = scores.threshold(player)
    reply(points > limit)


# Quiet: the read comes before the close.
def on_points_early(player, n, reply):
    score = scores.add_points(player, n)
    points = score.points
    limit = scores.threshold(player)
    reply(points > limit)


# Quiet: expired, but the session is still open: the read reloads it.
def on_points_open(player, n, reply):
    score = scores.add_points(player, n)
    reply(score.points)


# Quiet: only detached, never expired: the columns it loaded stay readable.
def on_find(player, reply):
    score = scores.find(player)
    scores.threshold(player)
    reply(score.points)


# Quiet: the close is on one branch of the helper only.
def on_points_guest(player, n, reply):
    score = scores.add_points(player, n)
    scores.maybe_close(player)
    reply(score.points)


# Quiet: loaded again after the close.
def on_points_again(player, n, reply):
    score = scores.add_points(player, n)
    scores.threshold(player)
    score = scores.find(player)
    reply(score.points)
