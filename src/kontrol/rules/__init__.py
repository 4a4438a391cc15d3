"""The one rule mechanism that routing rules and alert rules share.

A rule is data: a *kind* (a small registered class saying which typed
parameters it takes and which moments it reacts to), the parameter values, and
what the feature adds (a queue for routing, recipients for alerts). This
package holds what both features do alike: parameters and their checking
(:mod:`.params`), kinds and their registry (:mod:`.kinds`), rules files in YAML
with line numbers in errors (:mod:`.files`) and the loop that runs the rules
reacting to a moment, one transaction per rule (:mod:`.evaluation`).

Shared machinery: it imports only domain, store, plugins and settings, never a feature.
"""
