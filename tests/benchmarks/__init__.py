# Copyright: vobiz.telephony contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Benchmarks of vobiz.telephony against the Vobiz simulator: `make bench`, or `python -m tests.benchmarks` from the repo root."""
