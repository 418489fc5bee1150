// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title Interface of the VirusMap supernode registry
 * @notice What the other contracts (ReportAnchors, RewardsDistributor, DataMarket, EquivocationEvidence,
 * MemberQuorum) and readers rely on: membership now and at a past block, each member's engines, and the
 * evidence verifier's slash. SupernodeRegistry implements it; the contracts hold an ISupernodeRegistry,
 * so they depend on this surface and not on the registry's storage, governance setters or bond logic.
 * The membership events are the log a supernode follows (node/src/chain/registry-follower.ts): the node
 * reads this interface's ABI, not the implementation's.
 * @dev Past-block lookups take a block before the current one (membership and engines are checkpointed
 * by block) and revert for a current or future block in the implementation (PastBlocks).
 */
interface ISupernodeRegistry {
    /// @notice An operator registered or updated its candidate record.
    event CandidateRegistered(address indexed operator, string peerId, bytes32 x25519Key, string metadataURI);
    /// @notice An operator became a member.
    event MemberAdmitted(address indexed operator);
    /// @notice An operator stopped being a member (removed by governance or resigned).
    event MemberRemoved(address indexed operator);
    /// @notice A membership (new or renewed) lasts until block `termEnd` (exclusive; type(uint208).max if no term).
    event MemberTermSet(address indexed operator, uint256 termEnd);
    /// @notice Governance set the engines `operator` runs, from this block on (replacing any earlier list).
    event EnginesSet(address indexed operator, string[] engineIds);

    /// @notice Whether `operator` is a member now (a lapsed term is not).
    function isMember(address operator) external view returns (bool);

    /// @notice Whether `operator` was a member at the end of block `blockNumber` (a past block).
    function isMemberAt(address operator, uint256 blockNumber) external view returns (bool);

    /// @notice Whether `operator` was ever admitted (its signatures as a member can be evidence).
    function wasAdmitted(address operator) external view returns (bool);

    /**
     * @notice Members at the end of block `blockNumber` (a past block), in order of first admission.
     * @dev Walks every operator ever admitted, at most the implementation's MAX_ADMITTED (512): about
     * 7,800 gas each, so about 4.0M gas at that bound (callers sort the result, see MemberQuorum.membersAt).
     */
    function membersAt(uint256 blockNumber) external view returns (address[] memory);

    /// @notice Current members, lapsed terms excluded (order not guaranteed across removals).
    function members() external view returns (address[] memory);

    /// @notice Block at which the current membership of `operator` lapses; 0 if not a member.
    function termEnd(address operator) external view returns (uint256);

    /// @notice The engines `operator` runs now, as governance last set them (empty if never set).
    function engines(address operator) external view returns (string[] memory);

    /// @notice The engines `operator` ran at the end of block `blockNumber` (a past block).
    function enginesAt(address operator, uint256 blockNumber) external view returns (string[] memory);

    /**
     * @notice The evidence verifier slashes `operator` for proven misbehaviour: the member is removed,
     * `reporterShareBps` of its bond go to `reporter` and the rest to the treasury.
     * @dev Only the verifier governance set may call it.
     * @param evidence A hash naming the evidence, emitted with the slash.
     * @return amount The bond taken.
     */
    function slashByEvidence(address operator, address reporter, uint256 reporterShareBps, bytes32 evidence)
        external
        returns (uint256 amount);
}
