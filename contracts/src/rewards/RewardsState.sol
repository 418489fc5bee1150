// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {NetworkParameters} from "../NetworkParameters.sol";
import {ReportAnchors} from "../ReportAnchors.sol";
import {ISupernodeRegistry} from "../ISupernodeRegistry.sol";

/**
 * @title What RewardsDistributor's parts share
 * @notice The pool's token, the registry and parameters it reads, the epochs it follows, and its storage:
 * the settled and open roots, the budget and credits summed so far, and what each account was paid.
 * @dev The only part with storage, so the parts' order cannot change the layout. A root settles (is what
 * claims pay against) once its challenge period is over and it is not frozen.
 */
abstract contract RewardsState is Ownable {
    struct Root {
        bytes32 root;
        uint256 total;
        uint64 epoch;
        uint64 claimableFrom;
        bool frozen;
    }

    struct State {
        /// the root claims are paid against (root 0: none yet)
        Root settled;
        /// the root in its challenge period or frozen (root 0: none)
        Root open;
        /// the first epoch whose budget is not yet summed into `budgetAccrued`
        uint64 nextBudgetEpoch;
        uint64 challengeBlocks;
        uint256 budgetAccrued;
        uint256 feesCredited;
        address market;
        uint256 depositsCredited;
        address deposits;
    }

    /// @notice The VMT token the pool holds.
    IERC20 public immutable token;
    /// @notice The registry whose members sign roots (and whose address the EIP-712 domain names).
    ISupernodeRegistry public immutable registry;
    /// @notice The network parameters: `quorumFaultDivisor` and `rewardBudgetPerEpoch` at each epoch's end.
    NetworkParameters public immutable parameters;

    uint256 internal immutable _epochBlocks;
    /// @dev The epoch of the deployment block: no earlier epoch is posted, and budgets accrue from it.
    uint64 internal immutable _firstEpoch;
    State internal _state;
    mapping(address account => uint256) internal _claimed;

    constructor(address initialOwner, IERC20 token_, ReportAnchors anchors) Ownable(initialOwner) {
        token = token_;
        registry = anchors.registry();
        parameters = anchors.parameters();
        _epochBlocks = anchors.epochBlocks();
        _firstEpoch = uint64(block.number / _epochBlocks);
    }

    /// @dev Promotes the open root to settled once its challenge period is over and it is not frozen.
    function _settle() internal {
        if (_state.open.root != bytes32(0) && _isSettleable(_state.open)) {
            _state.settled = _state.open;
            delete _state.open;
        }
    }

    function _isSettleable(Root memory r) internal view returns (bool) {
        return !r.frozen && block.number >= r.claimableFrom;
    }
}
