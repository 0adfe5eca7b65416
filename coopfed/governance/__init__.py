"""coopfed.governance: the pure rules of a co-op (standard library only, never a clock).

Finding your way around:
- canonical.py: canonical JSON bytes and sha256, behind every hash.
- members.py: members, statuses, classes; one actor per member.
- charter.py: a co-op's voting rules, their JSON form, hash and parsing ("at_least:2/3").
- electorate.py: the electorate frozen at a proposal's record date, and its hash.
- proposal.py: life cycle draft → open → closed → decided / withdrawn (pure transitions).
- ballots.py: ballot admission (late, ineligible, self-vote), replacement, revocation.
- log.py: the hash-chained ballot log, receipts and chain verification.
- counting.py: quorum, threshold bases, class modes (pooled, class_weighted with caps,
  concurrent) shared by methods 1–3.
- methods/: the registry (`tally(method, spec, electorate, ballots, charter, seed)`) and
  every method, versioned `name@1`.
- result.py: result records, inputs hash, lot seed.
- joint.py: result certificates and decisions across co-ops.
- membership.py: the membership principle (classes open to applications, admission by admin or
  vote, shares required, which classes vote, who sees the roll).
- shares.py: the share ledger's rules (issue, transfer where allowed, redeem; never negative).
- history.py: the register at any date, replayed from the member history.
"""
