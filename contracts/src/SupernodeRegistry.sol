// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {Time} from "@openzeppelin/contracts/utils/types/Time.sol";
import {ISupernodeRegistry} from "./ISupernodeRegistry.sol";
import {PastBlocks} from "./PastBlocks.sol";

/**
 * @title VirusMap supernode registry
 * @notice Candidates register their libp2p peer id and X25519 key-wrapping key; the owner (the
 * TimelockController driven by the VirusMap Governor) admits and removes members.
 * @dev Membership is checkpointed per operator by block number, so "was X a member at block B"
 * stays answerable after later changes: scan jobs name the block whose membership they run under,
 * and light clients check verdict signers against it. A checkpoint's value is the block at which
 * that membership lapses (exclusive; NO_TERM when governance set no term, 0 when not a member),
 * so a term ends at its block with no transaction, and history stays exact.
 * Governance (the owner) sets the term length and the maximum member count; re-admitting a
 * member renews its term; a member may resign. Governance may require a candidate bond (in VMT):
 * register() pulls it (approve first), admission needs it in full, a non-member withdraws it (and
 * stops being a candidate) once `unbondingBlocks` have passed since its membership ended, so the
 * bond stays slashable for misbehaviour found late. Governance may slash it to the treasury naming
 * its evidence, and the evidence verifier governance trusts (EquivocationEvidence) slashes it for
 * conflicting signatures, paying the reporter a share and removing the member.
 * Governance also declares each operator's engines (the exact `EngineResult.engine` strings its
 * verdicts carry), checkpointed by block like membership, so only results from engines registered
 * to a verdict's signer at the job's membership block count.
 */
contract SupernodeRegistry is Ownable, ISupernodeRegistry {
    using Checkpoints for Checkpoints.Trace208;
    using EnumerableSet for EnumerableSet.AddressSet;
    using SafeERC20 for IERC20;

    /// @notice Longest accepted libp2p peer id string (base58 / CID text forms are far shorter).
    uint256 public constant MAX_PEER_ID_LENGTH = 128;
    /// @notice Longest accepted metadata URI.
    uint256 public constant MAX_METADATA_URI_LENGTH = 512;
    /// @notice Most engines one operator may declare.
    uint256 public constant MAX_ENGINES = 64;
    /// @notice Longest engine id, in bytes.
    uint256 public constant MAX_ENGINE_ID_LENGTH = 64;
    /// @notice Checkpoint value of a membership without a term.
    uint208 public constant NO_TERM = type(uint208).max;
    /// @notice Basis points in one whole (a reporter's share of a slashed bond is given in these).
    uint256 public constant BPS = 10_000;
    /**
     * @notice Most operators ever admitted. membersAt walks every one of them and admit's member count
     * and members() walk the member set (a subset): this bounds their gas (see the gas notes there).
     * A re-admission or a renewed term does not count again.
     */
    uint256 public constant MAX_ADMITTED = 512;

    /// @notice Blocks a membership lasts from its (re-)admission; 0 means no term.
    uint48 public termBlocks;
    /// @notice Most members at once; 0 means no limit.
    uint32 public maxMembers;
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

    struct Candidate {
        string peerId;
        bytes32 x25519Key;
        string metadataURI;
        uint64 registeredAt;
    }

    mapping(address operator => Candidate) private _candidates;
    mapping(address operator => Checkpoints.Trace208) private _membership;
    EnumerableSet.AddressSet private _members;
    // Every operator ever admitted, in order of first admission: membersAt scans it.
    address[] private _everAdmitted;
    mapping(address operator => bool) private _wasAdmitted;
    // Every engine list governance set per operator, in order; a checkpoint holds its index + 1 (0: none).
    mapping(address operator => string[][]) private _engineLists;
    mapping(address operator => Checkpoints.Trace208) private _engineHistory;

    /// @notice Governance changed the term length (applies to admissions from now on).
    event TermBlocksSet(uint256 termBlocks);
    /// @notice Governance changed the maximum member count.
    event MaxMembersSet(uint256 maxMembers);
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

    /// @dev The peer id is empty or longer than MAX_PEER_ID_LENGTH bytes.
    error SupernodeRegistryInvalidPeerId(uint256 length);
    /// @dev The X25519 public key is zero.
    error SupernodeRegistryInvalidX25519Key();
    /// @dev The metadata URI is longer than MAX_METADATA_URI_LENGTH bytes.
    error SupernodeRegistryInvalidMetadataURI(uint256 length);
    /// @dev The operator has not registered as a candidate.
    error SupernodeRegistryNotCandidate(address operator);
    /// @dev The operator is already a member.
    error SupernodeRegistryAlreadyMember(address operator);
    /// @dev The operator is not a member.
    error SupernodeRegistryNotMember(address operator);
    /// @dev The operator's bond is below candidateBond.
    error SupernodeRegistryBondTooLow(address operator, uint256 bond, uint256 required);
    /// @dev The bond token cannot change while bonds are held.
    error SupernodeRegistryBondsOutstanding(uint256 totalBonded);
    /// @dev A bond needs a token.
    error SupernodeRegistryInvalidBondToken();
    /// @dev A member cannot withdraw its bond.
    error SupernodeRegistryStillMember(address operator);
    /// @dev Admitting would exceed maxMembers.
    error SupernodeRegistryFull(uint256 maxMembers);
    /// @dev MAX_ADMITTED operators were admitted already; a new one cannot be (one admitted before can).
    error SupernodeRegistryAdmissionsExhausted(uint256 maxAdmitted);
    /// @dev Engine id `index` is empty, longer than MAX_ENGINE_ID_LENGTH or outside [A-Za-z0-9][A-Za-z0-9 ._+-]*.
    error SupernodeRegistryInvalidEngineId(uint256 index);
    /// @dev More than MAX_ENGINES engine ids.
    error SupernodeRegistryTooManyEngines(uint256 count);
    /// @dev Engine id `index` repeats an earlier one.
    error SupernodeRegistryDuplicateEngine(uint256 index);
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

    /// @param initialOwner The account allowed to admit and remove members (the TimelockController).
    constructor(address initialOwner) Ownable(initialOwner) {}

    /**
     * @notice Registers the caller as a candidate, or updates its record (key rotation).
     * @param peerId libp2p peer id of the supernode, as text.
     * @param x25519Key X25519 public key members wrap sample keys to.
     * @param metadataURI Optional pointer to operator metadata (may be empty).
     */
    function register(string calldata peerId, bytes32 x25519Key, string calldata metadataURI) external {
        uint256 peerIdLength = bytes(peerId).length;
        if (peerIdLength == 0 || peerIdLength > MAX_PEER_ID_LENGTH) {
            revert SupernodeRegistryInvalidPeerId(peerIdLength);
        }
        if (x25519Key == bytes32(0)) {
            revert SupernodeRegistryInvalidX25519Key();
        }
        uint256 uriLength = bytes(metadataURI).length;
        if (uriLength > MAX_METADATA_URI_LENGTH) {
            revert SupernodeRegistryInvalidMetadataURI(uriLength);
        }
        _candidates[msg.sender] = Candidate(peerId, x25519Key, metadataURI, uint64(block.number));
        uint256 held = bondOf[msg.sender];
        if (held < candidateBond) {
            uint256 due = candidateBond - held;
            bondOf[msg.sender] = candidateBond;
            totalBonded += due;
            bondToken.safeTransferFrom(msg.sender, address(this), due);
            emit BondPaid(msg.sender, due);
        }
        emit CandidateRegistered(msg.sender, peerId, x25519Key, metadataURI);
    }

    /**
     * @notice Makes a registered candidate a member from the current block on, for termBlocks
     * blocks when a term is set. Re-admitting a current member renews its term (a re-election);
     * without terms it reverts SupernodeRegistryAlreadyMember.
     */
    function admit(address operator) external onlyOwner {
        if (_candidates[operator].registeredAt == 0) {
            revert SupernodeRegistryNotCandidate(operator);
        }
        if (bondOf[operator] < candidateBond) {
            revert SupernodeRegistryBondTooLow(operator, bondOf[operator], candidateBond);
        }
        bool active = _isActive(operator);
        if (active && termBlocks == 0) {
            revert SupernodeRegistryAlreadyMember(operator);
        }
        uint48 current = Time.blockNumber();
        uint208 end = termBlocks == 0 ? NO_TERM : uint208(current) + termBlocks;
        if (!active) {
            if (maxMembers != 0 && _activeCount() >= maxMembers) {
                revert SupernodeRegistryFull(maxMembers);
            }
            if (!_wasAdmitted[operator] && _everAdmitted.length >= MAX_ADMITTED) {
                revert SupernodeRegistryAdmissionsExhausted(MAX_ADMITTED);
            }
            // A lapsed member may still sit in the set.
            _members.add(operator);
            if (!_wasAdmitted[operator]) {
                _wasAdmitted[operator] = true;
                _everAdmitted.push(operator);
            }
            _membership[operator].push(current, end);
            emit MemberAdmitted(operator);
        } else {
            _membership[operator].push(current, end);
        }
        emit MemberTermSet(operator, end);
    }

    /// @notice Ends a membership from the current block on; the candidate record is kept.
    function remove(address operator) external onlyOwner {
        _end(operator);
    }

    /// @notice The caller, a member, leaves from the current block on.
    function resign() external {
        _end(msg.sender);
    }

    /**
     * @notice Declares the engines `operator` runs from the current block on, replacing its earlier
     * list (an empty list withdraws them all). Ids are the exact engine names its verdicts carry.
     * @dev The list is kept in the order given; duplicates are refused so that one engine cannot
     * count twice.
     */
    function setEngines(address operator, string[] calldata engineIds) external onlyOwner {
        if (_candidates[operator].registeredAt == 0) {
            revert SupernodeRegistryNotCandidate(operator);
        }
        uint256 count = engineIds.length;
        if (count > MAX_ENGINES) {
            revert SupernodeRegistryTooManyEngines(count);
        }
        // The list goes into storage as it is checked (a nested calldata array cannot be copied whole).
        string[] storage list = _engineLists[operator].push();
        bytes32[] memory hashes = new bytes32[](count);
        for (uint256 i = 0; i < count; ++i) {
            if (!_isEngineId(bytes(engineIds[i]))) {
                revert SupernodeRegistryInvalidEngineId(i);
            }
            hashes[i] = keccak256(bytes(engineIds[i]));
            for (uint256 j = 0; j < i; ++j) {
                if (hashes[j] == hashes[i]) {
                    revert SupernodeRegistryDuplicateEngine(i);
                }
            }
            list.push(engineIds[i]);
        }
        _engineHistory[operator].push(Time.blockNumber(), uint208(_engineLists[operator].length));
        emit EnginesSet(operator, engineIds);
    }

    /// @notice Term length for admissions from now on (0: memberships do not lapse).
    function setTermBlocks(uint48 blocks) external onlyOwner {
        termBlocks = blocks;
        emit TermBlocksSet(blocks);
    }

    /// @notice Most members at once (0: no limit); current members above a lowered limit stay.
    function setMaxMembers(uint32 count) external onlyOwner {
        maxMembers = count;
        emit MaxMembersSet(count);
    }

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
        delete _candidates[msg.sender];
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
        (bool exists, uint48 key, uint208 value) = _membership[operator].latestCheckpoint();
        if (!exists) {
            return 0;
        }
        if (value == NO_TERM) {
            return NO_TERM;
        }
        // 0: removed or resigned at `key`; otherwise the term's (possibly future) end.
        return (value == 0 ? uint256(key) : uint256(value)) + unbondingBlocks;
    }

    /// @notice Whether `operator` was ever admitted (its signatures as a member can be evidence).
    function wasAdmitted(address operator) external view returns (bool) {
        return _wasAdmitted[operator];
    }

    /// @notice Block at which the current membership of `operator` lapses; 0 if not a member, NO_TERM if it has no term.
    function termEnd(address operator) external view returns (uint256) {
        return _isActive(operator) ? _membership[operator].latest() : 0;
    }

    /// @notice Whether `operator` is a member now.
    function isMember(address operator) external view returns (bool) {
        return _isActive(operator);
    }

    /// @notice Whether `operator` was a member at the end of block `blockNumber` (a past block).
    function isMemberAt(address operator, uint256 blockNumber) external view returns (bool) {
        uint48 key = PastBlocks.checkpointKey(blockNumber);
        return _membership[operator].upperLookupRecent(key) > key;
    }

    /**
     * @notice Members at the end of block `blockNumber` (a past block), in order of first admission.
     * @dev Gas: one array read and one checkpoint lookup per operator ever admitted (at most
     * MAX_ADMITTED): about 7,800 gas each, 4.0M at the bound (supernode-registry-bound.e2e.test.ts).
     */
    function membersAt(uint256 blockNumber) external view returns (address[] memory) {
        uint48 key = PastBlocks.checkpointKey(blockNumber);
        uint256 total = _everAdmitted.length;
        address[] memory result = new address[](total);
        uint256 count = 0;
        for (uint256 i = 0; i < total; ++i) {
            address operator = _everAdmitted[i];
            if (_membership[operator].upperLookupRecent(key) > key) {
                result[count++] = operator;
            }
        }
        // Shrink the array in place to the members found.
        assembly ("memory-safe") {
            mstore(result, count)
        }
        return result;
    }

    /**
     * @notice Current members, lapsed terms excluded (order not guaranteed across removals).
     * @dev Walks the member set, lapsed members included until removed or re-admitted: at most
     * MAX_ADMITTED, about 4.9M gas at the bound.
     */
    function members() external view returns (address[] memory) {
        address[] memory all = _members.values();
        uint256 count = 0;
        for (uint256 i = 0; i < all.length; ++i) {
            if (_isActive(all[i])) {
                all[count++] = all[i];
            }
        }
        assembly ("memory-safe") {
            mstore(all, count)
        }
        return all;
    }

    /// @notice The engines `operator` runs now, as governance last set them (empty if never set).
    function engines(address operator) external view returns (string[] memory) {
        return _engineList(operator, _engineHistory[operator].latest());
    }

    /// @notice The engines `operator` ran at the end of block `blockNumber` (a past block).
    function enginesAt(address operator, uint256 blockNumber) external view returns (string[] memory) {
        return _engineList(operator, _engineHistory[operator].upperLookupRecent(PastBlocks.checkpointKey(blockNumber)));
    }

    /// @notice The candidate record of `operator`; registeredAt is 0 if it never registered.
    function candidate(address operator)
        external
        view
        returns (string memory peerId, bytes32 x25519Key, string memory metadataURI, uint64 registeredAt)
    {
        Candidate storage c = _candidates[operator];
        return (c.peerId, c.x25519Key, c.metadataURI, c.registeredAt);
    }

    function _isActive(address operator) private view returns (bool) {
        return _members.contains(operator) && _membership[operator].latest() > Time.blockNumber();
    }

    /// @dev Walks the member set (at most MAX_ADMITTED, lapsed members included): admit pays it when
    /// maxMembers is set, about 5.0M gas at the bound.
    function _activeCount() private view returns (uint256 count) {
        uint256 total = _members.length();
        for (uint256 i = 0; i < total; ++i) {
            if (_isActive(_members.at(i))) {
                ++count;
            }
        }
    }

    function _end(address operator) private {
        if (!_isActive(operator)) {
            revert SupernodeRegistryNotMember(operator);
        }
        _members.remove(operator);
        _membership[operator].push(Time.blockNumber(), 0);
        emit MemberRemoved(operator);
    }

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

    function _engineList(address operator, uint208 index) private view returns (string[] memory) {
        return index == 0 ? new string[](0) : _engineLists[operator][index - 1];
    }

    /// @dev 1..MAX_ENGINE_ID_LENGTH bytes of [A-Za-z0-9 ._+-], the first one alphanumeric.
    function _isEngineId(bytes memory id) private pure returns (bool) {
        uint256 length = id.length;
        if (length == 0 || length > MAX_ENGINE_ID_LENGTH) {
            return false;
        }
        for (uint256 i = 0; i < length; ++i) {
            bytes1 c = id[i];
            bool alphanumeric = (c >= "0" && c <= "9") || (c >= "A" && c <= "Z") || (c >= "a" && c <= "z");
            if (!alphanumeric && (i == 0 || (c != " " && c != "." && c != "_" && c != "+" && c != "-"))) {
                return false;
            }
        }
        return true;
    }
}
