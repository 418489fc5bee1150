// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Time} from "@openzeppelin/contracts/utils/types/Time.sol";
import {ISupernodeRegistry} from "../ISupernodeRegistry.sol";
import {RegistryTerms} from "./RegistryTerms.sol";

/**
 * @title Candidate bonds of the supernode registry
 * @notice Governance may require a candidate bond (in VMT): register() pulls it (approve first),
 * admission needs it in full, a non-member withdraws it (and stops being a candidate) once
 * `unbondingBlocks` have passed since its membership ended, so the bond stays slashable for
 * misbehaviour found late. Governance may slash it to the treasury naming its evidence, and the
 * evidence verifier governance trusts (EquivocationEvidence) slashes it for conflicting signatures,
 * paying the reporter a share and removing the member.
 * @dev Membership and the candidate record live in later parts: they answer the four hooks below
 * (as OpenZeppelin's Governor leaves counting and quorum to its extensions).
 */
abstract contract RegistryBonds is ISupernodeRegistry, RegistryTerms {
    using SafeERC20 for IERC20;

    /// @notice Basis points in one whole (a reporter's share of a slashed bond is given in these).
    uint256 public constant BPS = 10_000;

    /// @notice Token candidate bonds are paid in (address(0) until governance sets a bond).
    IERC20 public bondToken;
    /// @notice Bond a candidate must hold to be admitted; 0 means none.
    uint256 public candidateBond;
    /// @notice Bond held for each operator.
    mapping(address operator => uint256) public bondOf;
    /// @notice Sum of all bonds held.
    uint256 public totalBonded;
    /// @notice Blocks a bond stays locked (and slashable) after its membership ended: about a week
    /// of 12 s blocks, long enough for evidence to be gossiped and a governance vote to pass.
    uint48 public unbondingBlocks = 50_400;
    /// @notice The contract allowed to slash by proven misbehaviour (address(0): none).
    address public evidenceVerifier;

    /// @notice Governance changed the candidate bond.
    event CandidateBondSet(address token, uint256 amount);
    /// @notice An operator's bond grew (registration or top-up).
    event BondPaid(address indexed operator, uint256 amount);
    /// @notice A non-member took its bond back and stopped being a candidate.
    event BondWithdrawn(address indexed operator, uint256 amount);
    /// @notice An operator's bond was taken: `reward` of `amount` to `reporter` (none for governance), the
    /// rest to the treasury (the owner); `evidence` names what proved the misbehaviour.
    event BondSlashed(address indexed operator, uint256 amount, address indexed reporter, uint256 reward, bytes32 evidence);
    /// @notice Governance changed the unbonding delay (applies to every bond not yet withdrawn).
    event UnbondingBlocksSet(uint256 unbondingBlocks);
    /// @notice Governance changed the contract allowed to slash by evidence.
    event EvidenceVerifierSet(address verifier);

    /// @dev The operator's bond is below candidateBond.
    error SupernodeRegistryBondTooLow(address operator, uint256 bond, uint256 required);
    /// @dev The bond token cannot change while bonds are held.
    error SupernodeRegistryBondsOutstanding(uint256 totalBonded);
    /// @dev A bond needs a token.
    error SupernodeRegistryInvalidBondToken();
    /// @dev A member cannot withdraw its bond.
    error SupernodeRegistryStillMember(address operator);
    /// @dev The bond of `operator` is locked until block `unlockBlock` (its unbonding delay).
    error SupernodeRegistryUnbonding(address operator, uint256 unlockBlock);
    /// @dev Only the evidence verifier slashes by evidence.
    error SupernodeRegistryUnauthorizedVerifier(address caller);
    /// @dev A reporter's share above BPS.
    error SupernodeRegistryInvalidShare(uint256 shareBps);
    /// @dev A governance slash must name its evidence.
    error SupernodeRegistryMissingEvidence();
    /// @dev `operator` is neither a member nor holds a bond: evidence against it changes nothing.
    error SupernodeRegistryNothingToSlash(address operator);

    /**
     * @notice Sets the bond candidates pay in `token` (VMT) to be admitted; existing members keep
     * their seats, candidates below it top up by calling register again. The token can only
     * change while no bond is held.
     */
    function setCandidateBond(IERC20 token, uint256 amount) external onlyOwner {
        if (address(token) != address(bondToken) && totalBonded != 0) {
            revert SupernodeRegistryBondsOutstanding(totalBonded);
        }
        if (amount != 0 && address(token) == address(0)) {
            revert SupernodeRegistryInvalidBondToken();
        }
        bondToken = token;
        candidateBond = amount;
        emit CandidateBondSet(address(token), amount);
    }

    /// @notice Blocks a bond stays locked after its membership ended, for every bond not yet withdrawn.
    function setUnbondingBlocks(uint48 blocks) external onlyOwner {
        unbondingBlocks = blocks;
        emit UnbondingBlocksSet(blocks);
    }

    /// @notice The contract allowed to slash by evidence (address(0): none).
    function setEvidenceVerifier(address verifier) external onlyOwner {
        evidenceVerifier = verifier;
        emit EvidenceVerifierSet(verifier);
    }

    /**
     * @notice A non-member takes its bond back once its unbonding delay has passed; it stops being a
     * candidate (register again to apply).
     */
    function withdrawBond() external {
        if (_isActive(msg.sender)) {
            revert SupernodeRegistryStillMember(msg.sender);
        }
        uint256 unlock = bondUnlockBlock(msg.sender);
        if (Time.blockNumber() < unlock) {
            revert SupernodeRegistryUnbonding(msg.sender, unlock);
        }
        uint256 amount = bondOf[msg.sender];
        bondOf[msg.sender] = 0;
        totalBonded -= amount;
        _forgetCandidate(msg.sender);
        if (amount != 0) {
            bondToken.safeTransfer(msg.sender, amount);
        }
        emit BondWithdrawn(msg.sender, amount);
    }

    /**
     * @notice Governance takes `operator`'s bond to the treasury (the owner), for misbehaviour
     * signatures cannot prove (e.g. a member that stopped scanning).
     * @param evidence Names what the proposal relied on (e.g. keccak256 of a report or a document's CID); not zero.
     */
    function slashBond(address operator, bytes32 evidence) external onlyOwner {
        if (evidence == bytes32(0)) {
            revert SupernodeRegistryMissingEvidence();
        }
        _slash(operator, address(0), 0, evidence);
    }

    /**
     * @notice The evidence verifier slashes `operator` for proven misbehaviour: the member is removed,
     * `reporterShareBps` of its bond go to `reporter` and the rest to the treasury (the owner).
     * @return amount The bond taken.
     */
    function slashByEvidence(address operator, address reporter, uint256 reporterShareBps, bytes32 evidence)
        external
        returns (uint256 amount)
    {
        if (msg.sender != evidenceVerifier || msg.sender == address(0)) {
            revert SupernodeRegistryUnauthorizedVerifier(msg.sender);
        }
        if (reporterShareBps > BPS) {
            revert SupernodeRegistryInvalidShare(reporterShareBps);
        }
        bool active = _isActive(operator);
        amount = bondOf[operator];
        if (!active && amount == 0) {
            revert SupernodeRegistryNothingToSlash(operator);
        }
        if (active) {
            _end(operator);
        }
        _slash(operator, reporter, (amount * reporterShareBps) / BPS, evidence);
    }

    /**
     * @notice First block at which `operator` may withdraw its bond: `unbondingBlocks` after its last
     * membership ended (0 if never admitted; NO_TERM while a member without a term).
     */
    function bondUnlockBlock(address operator) public view returns (uint256) {
        (bool admitted, uint256 end) = _membershipEnd(operator);
        if (!admitted) {
            return 0;
        }
        if (end == NO_TERM) {
            return NO_TERM;
        }
        return end + unbondingBlocks;
    }

    /// @dev Tops the caller's bond up to candidateBond, pulling the difference (register calls it).
    function _payBond() internal {
        uint256 held = bondOf[msg.sender];
        if (held < candidateBond) {
            uint256 due = candidateBond - held;
            bondOf[msg.sender] = candidateBond;
            totalBonded += due;
            bondToken.safeTransferFrom(msg.sender, address(this), due);
            emit BondPaid(msg.sender, due);
        }
    }

    /// @dev Reverts unless `operator` holds the full candidate bond (admission needs it).
    function _requireBond(address operator) internal view {
        if (bondOf[operator] < candidateBond) {
            revert SupernodeRegistryBondTooLow(operator, bondOf[operator], candidateBond);
        }
    }

    /// @dev Whether `operator` is a member now (RegistryMembership).
    function _isActive(address operator) internal view virtual returns (bool);

    /// @dev Whether `operator` was ever admitted, and the block its last membership ended or ends
    /// (NO_TERM while a member without a term) (RegistryMembership).
    function _membershipEnd(address operator) internal view virtual returns (bool admitted, uint256 end);

    /// @dev Ends the membership of `operator` now (RegistryMembership).
    function _end(address operator) internal virtual;

    /// @dev Deletes the candidate record of `operator` (RegistryCandidates).
    function _forgetCandidate(address operator) internal virtual;

    function _slash(address operator, address reporter, uint256 reward, bytes32 evidence) private {
        uint256 amount = bondOf[operator];
        bondOf[operator] = 0;
        totalBonded -= amount;
        if (reward != 0) {
            bondToken.safeTransfer(reporter, reward);
        }
        if (amount > reward) {
            bondToken.safeTransfer(owner(), amount - reward);
        }
        emit BondSlashed(operator, amount, reporter, reward, evidence);
    }
}
